/**
 * The hash chain: row n carries `hash = HMAC-SHA-256(key, prev_hash || canonical JSON of its
 * record)`, where prev_hash is row n-1's hash (64 zeros before the first row), `||` joins the
 * hex text and the JSON text, and the key is one the database never holds (configuration; the
 * row names it by `key_id`). Altering a row changes its hash; removing one breaks the link of
 * the next; removing the last ones no longer matches the chain head; and recomputing the
 * hashes takes the key. Rows stored before the chain was keyed have no key id and a plain
 * SHA-256; none may follow a keyed row.
 */
import { createHash, createHmac } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import type { AuditRecord } from "./record.ts";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainKey {
  id: string;
  key: Uint8Array;
}

/** The chain's keys: the first hashes new rows; the others still verify what they hashed. */
export class ChainKeys {
  readonly #keys: ChainKey[];

  constructor(keys: ChainKey[]) {
    if (keys.length === 0) throw new Error("the audit chain needs a key");
    this.#keys = keys;
  }

  /** `id:base64[,id:base64…]`, the current key first. */
  static parse(text: string): ChainKeys {
    return new ChainKeys(
      text.split(",").map((entry) => {
        const [id, value] = entry.trim().split(":");
        const key = Uint8Array.from(atob(value ?? ""), (c) => c.charCodeAt(0));
        if (!id || key.length < 32) throw new Error("expected id:base64 keys of 32 bytes or more");
        return { id, key };
      }),
    );
  }

  get current(): ChainKey {
    return this.#keys[0];
  }

  get(id: string): ChainKey | undefined {
    return this.#keys.find((k) => k.id === id);
  }
}

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

export function chainHash(prevHash: string, r: AuditRecord, key?: ChainKey): string {
  return nextHash(prevHash, canonicalRecord(r), key);
}

/** HMAC-SHA-256(key, prev_hash || canonical), hex; plain SHA-256 for rows before keys. */
export function nextHash(prevHash: string, canonical: string, key?: ChainKey): string {
  const h = key ? createHmac("sha256", key.key) : createHash("sha256");
  return h.update(prevHash).update(canonical).digest("hex");
}

export interface ChainedRecord extends AuditRecord {
  seq: number;
  prev_hash: string;
  hash: string;
  /** The key that hashed it; null for rows from before the chain was keyed. */
  key_id: string | null;
}

export interface Link {
  seq: number;
  prev_hash: string;
  hash: string;
  key_id: string;
}

/** The links of records (given by their canonical texts) appended after a head, in order. */
export function chainLinks(
  head: { seq: number; hash: string },
  canonicals: string[],
  key: ChainKey,
): Link[] {
  let seq = head.seq;
  let prev = head.hash;
  return canonicals.map((canonical) => {
    const hash = nextHash(prev, canonical, key);
    const link = { seq: ++seq, prev_hash: prev, hash, key_id: key.id };
    prev = hash;
    return link;
  });
}

export type BreakReason = "altered" | "removed" | "relinked" | "tail_removed" | "unknown_key";

export interface ChainBreak {
  seq: number;
  event_id: string | null;
  reason: BreakReason;
  detail: string;
}

/** Walks a chain row by row (in seq order, from `start`) and remembers the first break. */
export class ChainVerifier {
  readonly #keys: ChainKeys;
  #expectedSeq: number;
  #prev: string;
  #keyed = false;
  #checked = 0;
  #break: ChainBreak | undefined;

  constructor(keys: ChainKeys, start = { seq: 0, hash: GENESIS_HASH }) {
    this.#keys = keys;
    this.#expectedSeq = start.seq + 1;
    this.#prev = start.hash;
  }

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
    const key = row.key_id === null ? undefined : this.#keys.get(row.key_id);
    if (row.key_id !== null && !key) {
      return this.#fail({
        seq: row.seq,
        event_id: row.event_id,
        reason: "unknown_key",
        detail: `hashed with key ${row.key_id}, which this service does not hold`,
      });
    }
    const expected = chainHash(this.#prev, row, key);
    if (expected !== row.hash || (this.#keyed && !key)) {
      return this.#fail({
        seq: row.seq,
        event_id: row.event_id,
        reason: "altered",
        detail: expected !== row.hash
          ? `content does not match its hash: stored ${row.hash}, computed ${expected}`
          : "an unkeyed row after keyed ones",
      });
    }
    this.#keyed ||= key !== undefined;
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
