/**
 * Tamper evidence that does not trust the database: what the auditlog's own role may not do,
 * and a rewrite by the database superuser caught through the signed checkpoints.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { TransactionSql } from "@flotilla/backbone";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { chainHash } from "./domain/chain.ts";
import { publishEvents, sampleEvent, startInProcess } from "./testing.ts";

integration(
  "the auditlog's runtime role may insert and read audit rows and nothing else",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    await publishEvents(audit.nc, Array.from({ length: 5 }, (_, i) => sampleEvent(i)));
    await eventually("5 rows", async () => (await audit.count()) === 5);
    const refused = async (statement: string) => {
      const err = await audit.runtimeSql.unsafe(statement).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof postgres.PostgresError, `${statement} was allowed`);
      assert.equal(err.code, "42501", `${statement}: ${err.message}`); // insufficient_privilege
      return err.message;
    };
    assert.match(await refused(`update audit_logs set action = 'x.y' where seq = 1`), /denied/);
    assert.match(await refused(`delete from audit_logs where seq = 1`), /denied/);
    assert.match(await refused(`truncate audit_logs`), /denied/);
    assert.match(
      await refused(`alter table audit_logs disable trigger audit_logs_append_only`),
      /must be owner/,
    );
    await refused(`drop trigger audit_logs_append_only on audit_logs`);
    await refused(`set session_replication_role = replica`);
    await refused(`create table sneaky (x int)`);
    assert.equal(await audit.count(), 5);
    const [{ n }] = await audit.runtimeSql`select count(*)::int as n from audit_logs`;
    assert.equal(n, 5, "it reads its rows");
  },
);

integration(
  "a superuser who rewrites a row and recomputes every later hash and the head is caught by the checkpoints",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    const verify = async () => await (await audit.app.request("/api/v1/audit-logs/verify")).json();
    await publishEvents(audit.nc, Array.from({ length: 10 }, (_, i) => sampleEvent(i)));
    await eventually("10 rows", async () => (await audit.count()) === 10);
    const first = await audit.checkpoint();
    assert.equal(first?.seq, 10);
    await publishEvents(audit.nc, Array.from({ length: 30 }, (_, i) => sampleEvent(10 + i)));
    await eventually("40 rows", async () => (await audit.count()) === 40);
    const second = await audit.checkpoint();
    assert.equal(second?.seq, 40);
    assert.equal(await audit.checkpoint(), undefined, "no new rows, no new checkpoint");
    let report = await verify();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(
      [report.checkpoints.checked, report.checkpoints.last_matching.seq],
      [2, 40],
    );

    // The attacker holds the database and even the chain key: rewrites row 20, recomputes
    // rows 20..40 and moves the head, past the append-only trigger.
    const key = audit.chainKeys.current;
    const ids = await audit.sql<{ seq: string; event_id: string }[]>`
      select seq, event_id from audit_logs order by seq`;
    const row = async (seq: number) =>
      await (await audit.app.request(`/api/v1/audit-logs/${ids[seq - 1].event_id}`)).json();
    let prev = (await row(19)).hash;
    await audit.sql.begin(async (tx: TransactionSql) => {
      await tx`set local session_replication_role = replica`;
      for (let seq = 20; seq <= 40; seq++) {
        const original = await row(seq);
        const changes = seq === 20
          ? { before: null, after: { balance: 1_000_000 } }
          : original.changes;
        const hash = chainHash(prev, { ...original, event_id: original.id, changes }, key);
        await tx`update audit_logs set changes = ${tx.json(changes)},
          prev_hash = ${prev}, hash = ${hash} where seq = ${seq}`;
        prev = hash;
      }
      await tx`update audit_chain_head set hash = ${prev}`;
    });

    report = await verify();
    assert.equal(report.first_break, null, JSON.stringify(report.first_break));
    assert.equal(report.ok, false, "the rewrite went unnoticed");
    assert.equal(report.checkpoints.last_matching.seq, 10);
    assert.equal(report.checkpoints.first_mismatch.seq, 40);
    assert.match(report.checkpoints.first_mismatch.detail, /row 40 now hashes to/);
    assert.equal(await audit.checkpoint(), undefined, "a rewritten chain is not signed");
  },
);
