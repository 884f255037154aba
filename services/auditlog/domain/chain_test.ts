import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import {
  canonicalRecord,
  type ChainedRecord,
  chainHash,
  ChainKeys,
  chainLinks,
  ChainVerifier,
  GENESIS_HASH,
} from "./chain.ts";
import type { AuditRecord } from "./record.ts";

const keys = ChainKeys.parse(`k1:${btoa("k".repeat(32))},k0:${btoa("o".repeat(32))}`);
const link = (
  head: { seq: number; hash: string },
  records: AuditRecord[],
  key = keys.current,
): ChainedRecord[] =>
  chainLinks(head, records.map(canonicalRecord), key).map((l, i) => ({ ...records[i], ...l }));
/** Rows as they were stored before the chain was keyed: plain SHA-256, no key id. */
const unkeyed = (head: { seq: number; hash: string }, records: AuditRecord[]): ChainedRecord[] => {
  let prev = head.hash;
  return records.map((r, i) => {
    const hash = chainHash(prev, r);
    const row = { ...r, seq: head.seq + i + 1, prev_hash: prev, hash, key_id: null };
    prev = hash;
    return row;
  });
};

const record = (n: number): AuditRecord => ({
  event_id: `e-${n}`,
  occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  actor: { type: "user", id: `u-${n % 3}`, ip: "10.0.0.1", user_agent: "test" },
  action: "account.updated",
  target: { type: "account", id: String(n) },
  service: "accounts",
  correlation_id: `c-${n}`,
  causation_id: null,
  changes: { before: { balance: n }, after: { balance: n + 1 } },
  metadata: {},
});

Deno.test("canonical JSON sorts keys at every depth and drops undefined members", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: null }),
    '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":null}',
  );
  assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
});

Deno.test("each hash is the keyed HMAC of the previous hash and the canonical record", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [record(1), record(2)]);
  assert.deepEqual(rows.map((r) => r.seq), [1, 2]);
  assert.deepEqual(rows.map((r) => r.key_id), ["k1", "k1"]);
  assert.equal(rows[0].prev_hash, GENESIS_HASH);
  assert.equal(rows[1].prev_hash, rows[0].hash);
  const expected = createHmac("sha256", keys.current.key)
    .update(GENESIS_HASH + canonicalJson(record(1))).digest("hex");
  assert.equal(rows[0].hash, expected);
  const key = keys.current;
  assert.equal(chainHash(GENESIS_HASH, rows[0], key), expected, "seq and hashes are not hashed");
  const reordered = { ...record(1), changes: { after: { balance: 2 }, before: { balance: 1 } } };
  assert.equal(chainHash(GENESIS_HASH, reordered, key), expected, "key order does not matter");
  const plain = createHash("sha256").update(GENESIS_HASH + canonicalJson(record(1))).digest("hex");
  assert.notEqual(rows[0].hash, plain, "without the key the hash cannot be recomputed");
});

Deno.test("rows from before the keys verify as SHA-256; a rotated key still verifies its rows", () => {
  const old = unkeyed({ seq: 0, hash: GENESIS_HASH }, [record(1), record(2)]);
  const rotated = link({ seq: 2, hash: old[1].hash }, [record(3)], keys.get("k0"));
  const current = link({ seq: 3, hash: rotated[0].hash }, [record(4)]);
  const rows = [...old, ...rotated, ...current];
  const v = new ChainVerifier(keys);
  for (const r of rows) assert.ok(v.add(r), `row ${r.seq}`);
  assert.equal(v.finish({ seq: 4, hash: rows[3].hash }), undefined);

  // Rewriting a keyed row as an unkeyed one (recomputable without the key) is caught.
  const downgraded = unkeyed({ seq: 3, hash: rotated[0].hash }, [record(4)]);
  const d = new ChainVerifier(keys);
  for (const r of [...old, ...rotated, ...downgraded]) if (!d.add(r)) break;
  assert.equal(d.firstBreak?.reason, "altered");
  assert.equal(d.firstBreak?.seq, 4);

  const unknown = new ChainVerifier(ChainKeys.parse(`k9:${btoa("z".repeat(32))}`));
  for (const r of rows) if (!unknown.add(r)) break;
  assert.equal(unknown.firstBreak?.reason, "unknown_key");
  assert.equal(unknown.firstBreak?.seq, 3);
});

Deno.test("an intact chain verifies up to its head", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  const v = new ChainVerifier(keys);
  for (const r of rows) assert.ok(v.add(r));
  assert.equal(v.finish({ seq: 4, hash: rows[3].hash }), undefined);
  assert.equal(v.checked, 4);
});

Deno.test("an altered row is reported with its seq and event id", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  rows[2] = { ...rows[2], actor: { ...rows[2].actor, id: "someone-else" } };
  const v = new ChainVerifier(keys);
  for (const r of rows) if (!v.add(r)) break;
  const b = v.finish({ seq: 4, hash: rows[3].hash });
  assert.equal(b?.reason, "altered");
  assert.equal(b?.seq, 3);
  assert.equal(b?.event_id, "e-3");
});

Deno.test("a removed row, a re-linked row and a removed tail are each reported", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  const head = { seq: 4, hash: rows[3].hash };

  const gap = new ChainVerifier(keys);
  for (const r of [rows[0], rows[2], rows[3]]) if (!gap.add(r)) break;
  assert.deepEqual(
    { seq: gap.finish(head)?.seq, reason: gap.finish(head)?.reason },
    { seq: 2, reason: "removed" },
  );

  // Removed and the seqs renumbered: the next row's link no longer matches.
  const relinked = new ChainVerifier(keys);
  for (const r of [rows[0], { ...rows[2], seq: 2 }]) if (!relinked.add(r)) break;
  assert.equal(relinked.finish(head)?.reason, "relinked");

  const tail = new ChainVerifier(keys);
  for (const r of rows.slice(0, 3)) tail.add(r);
  const b = tail.finish(head);
  assert.equal(b?.reason, "tail_removed");
  assert.equal(b?.seq, 4);
});
