import assert from "node:assert/strict";
import type { TransactionSql } from "@flotilla/backbone";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { chainHash } from "./domain/chain.ts";
import type { AuditRecord } from "./domain/record.ts";
import { publishEvents, sampleEvent, startInProcess } from "./testing.ts";

integration("verify reports the first row edited or removed directly in SQL", async () => {
  await using env = await testEnv();
  const audit = await startInProcess(env);
  const events = Array.from({ length: 300 }, (_, i) => sampleEvent(i));
  await publishEvents(audit.nc, events);
  await eventually("300 rows", async () => (await audit.count()) === 300);
  const verify = async () => await (await audit.app.request("/api/v1/audit-logs/verify")).json();
  assert.equal((await verify()).ok, true);

  // Someone with the table owner's rights bypasses the append-only trigger.
  const tamper = (statement: string) =>
    audit.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx.unsafe(statement);
    });

  await tamper(`update audit_logs set changes = '{"before":null,"after":{"balance":1000000}}'
    where seq = 250`);
  let report = await verify();
  assert.equal(report.ok, false);
  assert.equal(report.first_break.seq, 250);
  assert.equal(report.first_break.reason, "altered");
  assert.equal(
    report.first_break.event_id,
    (await audit.sql`
    select event_id from audit_logs where seq = 250`)[0].event_id,
  );

  // An earlier removal is the first break now.
  await tamper(`delete from audit_logs where seq = 120`);
  report = await verify();
  assert.equal(report.first_break.seq, 120);
  assert.equal(report.first_break.reason, "removed");
  assert.equal(report.rows_checked, 119);
});

integration(
  "a row forged with its hash recomputed is caught at the next row (relinked or not), a rewritten tail at the head",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    await publishEvents(audit.nc, Array.from({ length: 40 }, (_, i) => sampleEvent(i)));
    await eventually("40 rows", async () => (await audit.count()) === 40);
    const verify = async () => await (await audit.app.request("/api/v1/audit-logs/verify")).json();
    const ids = new Map(
      (await audit.sql<{ seq: string; event_id: string }[]>`
        select seq, event_id from audit_logs`).map((r) => [Number(r.seq), r.event_id]),
    );
    const row = async (seq: number) =>
      await (await audit.app.request(`/api/v1/audit-logs/${ids.get(seq)}`)).json();
    // The row's hash as the attacker recomputes it: prev_hash || canonical record, with the
    // chain key stolen from the service's configuration.
    const rehash = (r: Omit<AuditRecord, "event_id"> & { id: string }, prevHash: string) =>
      chainHash(prevHash, { ...r, event_id: r.id }, audit.chainKeys.current);
    const forge = (work: (tx: TransactionSql) => Promise<unknown>) =>
      audit.sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`; // past the append-only trigger
        await work(tx);
      });

    const original = await row(20);
    assert.equal(
      rehash(original, original.prev_hash),
      original.hash,
      "the test hashes as the log does",
    );
    const forged = { ...original, changes: { before: null, after: { balance: 1_000_000 } } };
    const forgedHash = rehash(forged, original.prev_hash);
    await forge((tx) =>
      tx`update audit_logs set changes = ${tx.json(forged.changes)}, hash = ${forgedHash}
        where seq = 20`
    );
    assert.equal(
      rehash(await row(20), original.prev_hash),
      forgedHash,
      "row 20 is self-consistent",
    );

    // Row 20 alone looks fine; row 21 still names the original hash as its previous one.
    let report = await verify();
    assert.equal(report.ok, false, "a row rewritten with its own hash recomputed went unnoticed");
    assert.equal(report.rows_checked, 20, "rows 1..20 each look intact");
    assert.deepEqual(
      { seq: report.first_break.seq, reason: report.first_break.reason },
      { seq: 21, reason: "relinked" },
    );
    assert.equal(report.first_break.event_id, ids.get(21));

    // Relinking row 21 to the forged hash breaks row 21's own hash, which covers its prev_hash.
    await forge((tx) => tx`update audit_logs set prev_hash = ${forgedHash} where seq = 21`);
    report = await verify();
    assert.equal(report.ok, false);
    assert.equal(report.rows_checked, 20);
    assert.deepEqual(
      { seq: report.first_break.seq, reason: report.first_break.reason },
      { seq: 21, reason: "altered" },
    );
    assert.equal(report.first_break.event_id, ids.get(21));

    // Rewriting every later row too leaves a chain whose every link holds: only the head,
    // which still holds the original last hash, tells.
    let prev = forgedHash;
    for (let seq = 21; seq <= 40; seq++) {
      const hash = rehash(await row(seq), prev);
      await forge((tx) =>
        tx`update audit_logs set prev_hash = ${prev}, hash = ${hash} where seq = ${seq}`
      );
      prev = hash;
    }
    report = await verify();
    assert.equal(
      report.ok,
      false,
      "a rewritten tail went unnoticed though the head holds the original hash",
    );
    assert.equal(report.rows_checked, 40, "every rewritten row links to the one before");
  },
);
