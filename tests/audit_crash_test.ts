import assert from "node:assert/strict";
import { eventually, integration, spawnService, testEnv, testIdentity } from "@flotilla/testkit";
import { auditlogCatalog, publishEvents, sampleEvent, tally } from "@flotilla/auditlog/testing";

integration(
  "two replicas, one SIGKILLed mid-batch and restarted: every event stored exactly once, chain intact",
  async () => {
    await using env = await testEnv();
    await env.provision(auditlogCatalog);
    const options = {
      main: "services/auditlog/main.ts",
      env: { AUDIT_BATCH_SIZE: "200", AUDIT_PIPELINES: "1" },
    };
    const [a, b] = await Promise.all([spawnService(env, options), spawnService(env, options)]);
    const nc = await env.connect();
    const sql = env.sql();
    const total = 20_000;
    const publishing = publishEvents(nc, Array.from({ length: total }, (_, i) => sampleEvent(i)));

    const beforeKill = await eventually(
      "ingest under way",
      async () => {
        const t = await tally(sql);
        return t.rows >= 1_000 ? t.rows : undefined;
      },
      30_000,
      10,
    );
    const status = await a.kill("SIGKILL");
    assert.equal(status.signal, "SIGKILL");
    await a.restart();
    await publishing;

    // What replica a held unacked comes back after the consumer's ack wait (10 s).
    const final = await eventually(
      "every event stored",
      async () => {
        const t = await tally(sql);
        return t.rows === total ? t : undefined;
      },
      60_000,
      200,
    );
    assert.deepEqual(final, { rows: total, ids: total, maxSeq: total });
    assert.ok(beforeKill < total, `killed mid-stream (${beforeKill} of ${total} stored)`);
    const [{ n }] = await sql`select count(*)::int as n from inbox`;
    assert.equal(n, total);
    const report = await (await testIdentity.fetch("auditlog")(`${b.url}/api/v1/audit-logs/verify`))
      .json();
    assert.equal(report.ok, true, JSON.stringify(report.first_break));
    assert.equal(report.head.seq, total);
  },
  120_000,
);
