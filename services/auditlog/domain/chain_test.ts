import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import {
  canonicalRecord,
  type ChainedRecord,
  chainHash,
  chainLinks,
  ChainVerifier,
  GENESIS_HASH,
} from "./chain.ts";
import type { AuditRecord } from "./record.ts";

const link = (head: { seq: number; hash: string }, records: AuditRecord[]): ChainedRecord[] =>
  chainLinks(head, records.map(canonicalRecord)).map((l, i) => ({ ...records[i], ...l }));

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

Deno.test("each hash is sha256 of the previous hash and the canonical record", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [record(1), record(2)]);
  assert.deepEqual(rows.map((r) => r.seq), [1, 2]);
  assert.equal(rows[0].prev_hash, GENESIS_HASH);
  assert.equal(rows[1].prev_hash, rows[0].hash);
  const expected = createHash("sha256").update(GENESIS_HASH + canonicalJson(record(1)))
    .digest("hex");
  assert.equal(rows[0].hash, expected);
  assert.equal(chainHash(GENESIS_HASH, rows[0]), expected, "seq and hashes are not hashed");
  const reordered = { ...record(1), changes: { after: { balance: 2 }, before: { balance: 1 } } };
  assert.equal(chainHash(GENESIS_HASH, reordered), expected, "key order does not matter");
});

Deno.test("an intact chain verifies up to its head", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  const v = new ChainVerifier();
  for (const r of rows) assert.ok(v.add(r));
  assert.equal(v.finish({ seq: 4, hash: rows[3].hash }), undefined);
  assert.equal(v.checked, 4);
});

Deno.test("an altered row is reported with its seq and event id", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  rows[2] = { ...rows[2], actor: { ...rows[2].actor, id: "someone-else" } };
  const v = new ChainVerifier();
  for (const r of rows) if (!v.add(r)) break;
  const b = v.finish({ seq: 4, hash: rows[3].hash });
  assert.equal(b?.reason, "altered");
  assert.equal(b?.seq, 3);
  assert.equal(b?.event_id, "e-3");
});

Deno.test("a removed row, a re-linked row and a removed tail are each reported", () => {
  const rows = link({ seq: 0, hash: GENESIS_HASH }, [1, 2, 3, 4].map(record));
  const head = { seq: 4, hash: rows[3].hash };

  const gap = new ChainVerifier();
  for (const r of [rows[0], rows[2], rows[3]]) if (!gap.add(r)) break;
  assert.deepEqual(
    { seq: gap.finish(head)?.seq, reason: gap.finish(head)?.reason },
    { seq: 2, reason: "removed" },
  );

  // Removed and the seqs renumbered: the next row's link no longer matches.
  const relinked = new ChainVerifier();
  for (const r of [rows[0], { ...rows[2], seq: 2 }]) if (!relinked.add(r)) break;
  assert.equal(relinked.finish(head)?.reason, "relinked");

  const tail = new ChainVerifier();
  for (const r of rows.slice(0, 3)) tail.add(r);
  const b = tail.finish(head);
  assert.equal(b?.reason, "tail_removed");
  assert.equal(b?.seq, 4);
});
