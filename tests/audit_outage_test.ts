import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { DLQ_STREAM } from "@flotilla/backbone";
import { eventually, integration, spawnService, testEnv, testIdentity } from "@flotilla/testkit";
import { outageMs, publishSteadily, sampleEvent, tally } from "@flotilla/auditlog/testing";

const MAIN = "services/auditlog/main.ts";

async function verified(url: string) {
  const report = await (await testIdentity.fetch("auditlog")(`${url}/api/v1/audit-logs/verify`))
    .json();
  assert.equal(report.ok, true, JSON.stringify(report.first_break));
  return report;
}

integration(
  "Postgres stopped during a steady stream: the consumer holds, then catches up with no loss and no duplicate",
  async () => {
    await using env = await testEnv({ ownPostgres: true });
    const service = await spawnService(env, { main: MAIN, env: { AUDIT_BATCH_SIZE: "100" } });
    const nc = await env.connect();
    const sql = env.sql();
    const outage = outageMs();
    const rate = 200;
    const total = Math.round(((outage + 4_000) / 1_000) * rate);
    const events = Array.from({ length: total }, (_, i) => sampleEvent(i));
    const publishing = publishSteadily(nc, events, rate);

    await eventually("rows arriving", async () => (await tally(sql)).rows > 100);
    await env.pg!.stop();
    const stoppedAt = Date.now();
    const down = await eventually(
      "readyz to report postgres down",
      async () => {
        const res = await fetch(`${service.url}/readyz`).catch((err) => {
          throw new Error(`${err}; service output:\n${service.output().slice(-4_000)}`);
        });
        const body = await res.json();
        return res.status === 503 && body.checks.postgres === "down";
      },
      10_000,
      100,
    );
    assert.ok(down);
    await new Promise((r) => setTimeout(r, Math.max(0, outage - (Date.now() - stoppedAt))));
    await env.pg!.start();

    await publishing;
    const final = await eventually(
      "every event stored",
      async () => {
        const t = await tally(sql);
        return t.rows === total ? t : undefined;
      },
      30_000,
      200,
    );
    assert.deepEqual(final, { rows: total, ids: total, maxSeq: total });
    assert.match(service.output(), /dependency unavailable; holding messages/);
    const dlq = await (await jetstreamManager(nc)).streams.info(DLQ_STREAM);
    assert.equal(dlq.state.messages, 0, "nothing was dead-lettered");
    await verified(service.url);
  },
  180_000,
);

integration("NATS restarted: the consumer resumes and stores what comes after", async () => {
  await using env = await testEnv();
  const service = await spawnService(env, { main: MAIN });
  const nc = await env.connect();
  const sql = env.sql();
  const before = Array.from({ length: 300 }, (_, i) => sampleEvent(i));
  const after = Array.from({ length: 300 }, (_, i) => sampleEvent(1_000 + i));
  await publishSteadily(nc, before, 2_000);
  await eventually("the first 300", async () => (await tally(sql)).rows === 300);

  await env.nats.stop();
  await new Promise((r) => setTimeout(r, 1_000));
  await env.nats.start();
  await publishSteadily(nc, after, 2_000);

  const final = await eventually(
    "all 600",
    async () => {
      const t = await tally(sql);
      return t.rows === 600 ? t : undefined;
    },
    30_000,
    200,
  );
  assert.deepEqual(final, { rows: 600, ids: 600, maxSeq: 600 });
  assert.match(service.output(), /NATS reconnected/);
  await verified(service.url);
});
