/**
 * The hash chain: row n carries `hash = sha256(prev_hash || canonical JSON of its record)`,
 * where prev_hash is row n-1's hash (64 zeros before the first row) and `||` joins the hex
 * text and the JSON text. Altering a row changes its hash; removing one breaks the link of
 * the next; removing the last ones no longer matches the chain head.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import type { AuditRecord } from "./record.ts";

export const GENESIS_HASH = "0".repeat(64);

/** The canonical text of a record: only its own fields (a stored row also has seq and hashes). */
export function canonicalRecord(r: AuditRecord): string {
  const record: AuditRecord = {
    event_id: r.event_id,
    occurred_at: r.occurred_at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    service: r.service,
    correlation_id: r.correlation_id,
    causation_id: r.causation_id,
    changes: r.changes,
    metadata: r.metadata,
  };
  return canonicalJson(record);
}

export function chainHash(prevHash: string, r: AuditRecord): string {
  return nextHash(prevHash, canonicalRecord(r));
}

/** sha256(prev_hash || canonical), hex. */
export function nextHash(prevHash: string, canonical: string): string {
  return createHash("sha256").update(prevHash).update(canonical).digest("hex");
}

export interface ChainedRecord extends AuditRecord {
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface Link {
  seq: number;
  prev_hash: string;
  hash: string;
}

/** The links of records (given by their canonical texts) appended after a head, in order. */
export function chainLinks(head: { seq: number; hash: string }, canonicals: string[]): Link[] {
  let seq = head.seq;
  let prev = head.hash;
  return canonicals.map((canonical) => {
    const hash = nextHash(prev, canonical);
    const link = { seq: ++seq, prev_hash: prev, hash };
    prev = hash;
    return link;
  });
}

export type BreakReason = "altered" | "removed" | "relinked" | "tail_removed";

export interface ChainBreak {
  seq: number;
  event_id: string | null;
  reason: BreakReason;
  detail: string;
}

/** Walks a chain row by row (in seq order) and remembers the first break. */
export class ChainVerifier {
  #expectedSeq = 1;
  #prev = GENESIS_HASH;
  #checked = 0;
  #break: ChainBreak | undefined;

  /** Rows found intact, before the first break. */
  get checked(): number {
    return this.#checked;
  }
  get firstBreak(): ChainBreak | undefined {
    return this.#break;
  }

  /** False once a break was found: the rest need not be read. */
  add(row: ChainedRecord): boolean {
    if (this.#break) return false;
    if (row.seq !== this.#expectedSeq) {
      const missing = row.seq - this.#expectedSeq;
      return this.#fail({
        seq: this.#expectedSeq,
        event_id: null,
        reason: "removed",
        detail: `${missing} row(s) missing: seq ${this.#expectedSeq}` +
          (missing > 1 ? `..${row.seq - 1}` : "") + ` (the chain continues at seq ${row.seq})`,
      });
    }
    if (row.prev_hash !== this.#prev) {
      return this.#fail({
        seq: row.seq,
        event_id: row.event_id,
        reason: "relinked",
        detail: `prev_hash ${row.prev_hash} does not match the previous row's hash ${this.#prev}`,
      });
    }
    const expected = chainHash(this.#prev, row);
    if (expected !== row.hash) {
      return this.#fail({
        seq: row.seq,
        event_id: row.event_id,
        reason: "altered",
        detail: `content does not match its hash: stored ${row.hash}, computed ${expected}`,
      });
    }
    this.#prev = row.hash;
    this.#expectedSeq++;
    this.#checked++;
    return true;
  }

  /** Checks the end of the walk against the chain head. */
  finish(head: { seq: number; hash: string }): ChainBreak | undefined {
    if (this.#break) return this.#break;
    const last = this.#expectedSeq - 1;
    if (last !== head.seq || this.#prev !== head.hash) {
      this.#fail({
        seq: last + 1,
        event_id: null,
        reason: "tail_removed",
        detail: `the chain ends at seq ${last} but its head says seq ${head.seq}`,
      });
    }
    return this.#break;
  }

  #fail(b: ChainBreak): false {
    this.#break = b;
    return false;
  }
}
