/**
 * Signed checkpoints of the chain head, kept outside Postgres (an append-only JetStream
 * stream): sequence, hash and time, signed with Ed25519 by a key the database never holds.
 * Someone who rewrites rows and recomputes every later hash and the head (even with the chain
 * key) still disagrees with the checkpoints signed before; verification names the last one
 * that still matches.
 */
import { canonicalJson } from "./canonical.ts";

export interface Checkpoint {
  seq: number;
  hash: string;
  /** When it was signed, RFC 3339 UTC. */
  time: string;
  /** The signing key's id. */
  key_id: string;
  /** Ed25519 over the canonical JSON of the other fields, base64. */
  signature: string;
}

const bytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const base64 = (data: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(data)));
const signed = (c: Omit<Checkpoint, "signature">) =>
  new TextEncoder().encode(
    canonicalJson({ v: 1, seq: c.seq, hash: c.hash, time: c.time, key_id: c.key_id }),
  );

function parseEntries(text: string): { id: string; value: string }[] {
  return text.split(",").map((entry) => {
    const [id, value] = entry.trim().split(":");
    if (!id || !value) throw new Error("expected id:base64 entries");
    return { id, value };
  });
}

/** The signing key (the current one) and the public keys that verify old checkpoints. */
export class CheckpointKeys {
  private constructor(
    readonly signer: { id: string; key: CryptoKey },
    readonly verifiers: Map<string, CryptoKey>,
  ) {}

  /**
   * `signing`: `id:base64(PKCS#8)`; `older`: `id:base64(raw public key)[,…]` for checkpoints
   * signed by keys since rotated out.
   */
  static async load(signing: string, older?: string): Promise<CheckpointKeys> {
    const [{ id, value }] = parseEntries(signing);
    const ed = { name: "Ed25519" };
    const extractable = await crypto.subtle.importKey("pkcs8", bytes(value), ed, true, ["sign"]);
    const { kty, crv, x } = await crypto.subtle.exportKey("jwk", extractable);
    const jwk = { kty, crv, x };
    const key = await crypto.subtle.importKey("pkcs8", bytes(value), ed, false, ["sign"]);
    const verifiers = new Map<string, CryptoKey>();
    verifiers.set(id, await crypto.subtle.importKey("jwk", jwk, ed, true, ["verify"]));
    for (const old of older ? parseEntries(older) : []) {
      verifiers.set(
        old.id,
        await crypto.subtle.importKey("raw", bytes(old.value), ed, true, ["verify"]),
      );
    }
    return new CheckpointKeys({ id, key }, verifiers);
  }

  /** The current public key, `id:base64(raw)`: what to keep once this key is rotated out. */
  async publicKey(): Promise<string> {
    const raw = await crypto.subtle.exportKey("raw", this.verifiers.get(this.signer.id)!);
    return `${this.signer.id}:${base64(raw)}`;
  }

  async sign(head: { seq: number; hash: string }, time = new Date()): Promise<Checkpoint> {
    const unsigned = {
      seq: head.seq,
      hash: head.hash,
      time: time.toISOString(),
      key_id: this.signer.id,
    };
    const signature = await crypto.subtle.sign("Ed25519", this.signer.key, signed(unsigned));
    return { ...unsigned, signature: base64(signature) };
  }

  /** True when a key we hold signed exactly this checkpoint. */
  async valid(c: Checkpoint): Promise<boolean> {
    const key = this.verifiers.get(c.key_id);
    if (!key) return false;
    try {
      return await crypto.subtle.verify("Ed25519", key, bytes(c.signature), signed(c));
    } catch {
      return false;
    }
  }
}

export interface CheckpointReport {
  /** Checkpoints compared with the chain. */
  checked: number;
  /** The newest checkpoint the stored chain still matches. */
  last_matching: Pick<Checkpoint, "seq" | "hash" | "time"> | null;
  /** The oldest checkpoint it does not match (or a checkpoint with a bad signature). */
  first_mismatch: (Pick<Checkpoint, "seq" | "hash" | "time"> & { detail: string }) | null;
}

/**
 * Compares checkpoints with the stored hashes at their seqs (`stored`: seq → hash, absent
 * when the row is gone) and the chain's length.
 */
export async function compareCheckpoints(
  keys: CheckpointKeys,
  checkpoints: Checkpoint[],
  stored: Map<number, string>,
): Promise<CheckpointReport> {
  const report: CheckpointReport = { checked: 0, last_matching: null, first_mismatch: null };
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  for (const c of sorted) {
    report.checked++;
    const at = { seq: c.seq, hash: c.hash, time: c.time };
    const have = stored.get(c.seq);
    const detail = !(await keys.valid(c))
      ? "its signature does not verify"
      : have === undefined
      ? `the chain has no row ${c.seq} any more`
      : have !== c.hash
      ? `row ${c.seq} now hashes to ${have}, the checkpoint says ${c.hash}`
      : undefined;
    if (detail === undefined) {
      if (!report.first_mismatch) report.last_matching = at;
    } else if (!report.first_mismatch) {
      report.first_mismatch = { ...at, detail };
    }
  }
  return report;
}
