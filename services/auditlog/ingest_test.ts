import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { auditSubject, DeadLetterHeaders, DLQ_STREAM } from "@flotilla/backbone";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { publishEvents, sampleEvent, startInProcess } from "./testing.ts";

integration(
  "audit events are stored once each, with every column, in one linear verified chain",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env, { batchSize: 200 });
    const events = Array.from({ length: 1_000 }, (_, i) => sampleEvent(i + 1));
    await publishEvents(audit.nc, events);
    // Redeliveries that the server cannot de-duplicate (another Nats-Msg-Id): the inbox does.
    await publishEvents(
      audit.nc,
      events.slice(0, 50).map((e) => ({
        subject: "audit.recorded",
        body: JSON.stringify(e),
        msgID: `again-${e.id}`,
      })),
    );
    await eventually("1000 rows", async () => (await audit.count()) === 1_000);
    await new Promise((r) => setTimeout(r, 300)); // would-be duplicates get their chance
    const [stats] = await audit.sql`
      select count(*)::int as n, count(distinct event_id)::int as ids, min(seq)::int as lo,
        max(seq)::int as hi from audit_logs`;
    assert.deepEqual(stats, { n: 1_000, ids: 1_000, lo: 1, hi: 1_000 });

    const res = await audit.app.request(`/api/v1/audit-logs/${events[6].id}`);
    assert.equal(res.status, 200);
    const row = await res.json();
    assert.equal(row.id, events[6].id);
    assert.equal(row.occurred_at, events[6].time);
    assert.deepEqual(row.actor, {
      type: "user",
      id: "u-0",
      ip: "10.0.0.7",
      user_agent: "flotilla-test/1.0",
    });
    assert.equal(row.action, "account.updated");
    assert.deepEqual(row.target, { type: "account", id: "7" });
    assert.equal(row.service, "transactions");
    assert.equal(row.correlation_id, "corr-2");
    assert.deepEqual(row.changes, {
      before: { balance: 7 },
      after: { balance: 8, note: "event 7" },
    });
    assert.deepEqual(row.metadata, { n: 7 });
    assert.match(row.recorded_at, /^\d{4}-\d\d-\d\dT/);

    const verify = await (await audit.app.request("/api/v1/audit-logs/verify")).json();
    assert.deepEqual(
      { ok: verify.ok, rows: verify.rows_checked, head: verify.head.seq },
      { ok: true, rows: 1_000, head: 1_000 },
    );
  },
);

integration(
  "two replicas sharing the durable consumer store every event once in one linear chain",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env, { replicas: 2, batchSize: 100 });
    const events = Array.from({ length: 3_000 }, (_, i) => sampleEvent(i));
    await publishEvents(audit.nc, events);
    await eventually("3000 rows", async () => (await audit.count()) === 3_000);
    const [stats] = await audit.sql`
      select count(distinct event_id)::int as ids, max(seq)::int as hi from audit_logs`;
    assert.deepEqual(stats, { ids: 3_000, hi: 3_000 });
    const handledBy = await audit.sql`select count(*)::int as n from inbox`;
    assert.equal(handledBy[0].n, 3_000);
    const verify = await (await audit.app.request("/api/v1/audit-logs/verify")).json();
    assert.equal(verify.ok, true, JSON.stringify(verify.first_break));
  },
);

/** The one message of the dead-letter stream, once it is there. */
async function theDeadLetter(nc: NatsConnection) {
  const jsm = await jetstreamManager(nc);
  return await eventually("a dead letter", async () => {
    const info = await jsm.streams.info(DLQ_STREAM);
    return info.state.messages === 1
      ? (await jsm.streams.getMessage(DLQ_STREAM, { seq: info.state.first_seq })) ?? undefined
      : undefined;
  });
}

integration("an audit event that fails its schema is dead-lettered with its reason", async () => {
  await using env = await testEnv();
  const audit = await startInProcess(env);
  const bad = sampleEvent(1);
  (bad.data as { action: string }).action = "Not An Action";
  await publishEvents(audit.nc, [sampleEvent(2), bad, sampleEvent(3)]);
  await eventually("2 good rows", async () => (await audit.count()) === 2);
  const dead = await theDeadLetter(audit.nc);
  assert.match(
    dead.header.get(DeadLetterHeaders.reason),
    /data\.action: expected <resource>\.<verb>/,
  );
  assert.equal(dead.header.get(DeadLetterHeaders.subject), auditSubject(bad.source));
  assert.equal(dead.json<{ id: string }>().id, bad.id);
  const verify = await (await audit.app.request("/api/v1/audit-logs/verify")).json();
  assert.equal(verify.ok, true);
});

integration(
  "an audit event whose source is not the service its subject names is dead-lettered with that reason",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    const forged = sampleEvent(2); // declares source "accounts"
    await publishEvents(audit.nc, [
      sampleEvent(1),
      { subject: auditSubject("users"), body: JSON.stringify(forged), msgID: forged.id },
      sampleEvent(3),
    ]);
    await eventually("2 good rows", async () => (await audit.count()) === 2);
    const dead = await theDeadLetter(audit.nc);
    assert.match(
      dead.header.get(DeadLetterHeaders.reason),
      /source: "accounts" is not the service its subject names \(audit\.users\.recorded\)/,
    );
    assert.equal(dead.json<{ id: string }>().id, forged.id);
    const [{ n }] = await audit.sql`select count(*)::int as n from audit_logs
      where event_id = ${forged.id}`;
    assert.equal(n, 0, "the forged event is not in the chain");
  },
);
