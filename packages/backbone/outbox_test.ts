import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { eventually, integration, testCatalog, testEnv } from "@flotilla/testkit";
import { createEvent, type Envelope } from "./envelope.ts";
import { silentLogger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { enqueue, OutboxRelay } from "./outbox.ts";

const event = (n: number, subject = "agg-1") =>
  createEvent({ type: "test.happened", source: "test", subject, data: { n } });

async function streamEvents(
  nc: Parameters<typeof jetstream>[0],
): Promise<Envelope<{ n: number }>[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info("TEST");
  const out: Envelope<{ n: number }>[] = [];
  for (
    let seq = info.state.first_seq;
    seq <= info.state.last_seq && info.state.messages > 0;
    seq++
  ) {
    const m = await jsm.streams.getMessage("TEST", { seq });
    if (m) out.push(m.json());
  }
  return out;
}

integration("an event committed while NATS is stopped is published once NATS is back", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  await env.migrate();
  const sql = env.sql();
  const nc = await env.connect();
  const relay = new OutboxRelay({ sql, nc, logger: silentLogger, pollMs: 100 });
  await relay.start();
  env.defer(() => relay.stop());

  await env.nats.stop();
  // The state change and its event commit together, though NATS is down.
  await sql.begin((tx) => enqueue(tx, testCatalog, [event(1), event(2)]));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await relay.pending(), 2, "events wait in the outbox while NATS is down");

  await env.nats.start();
  await eventually("outbox drained", async () => (await relay.pending()) === 0, 30_000);
  const published = await streamEvents(nc);
  assert.deepEqual(published.map((e) => e.data.n), [1, 2]);
});

integration("a relay killed between publish and delete publishes nothing twice", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  await env.migrate();
  const sql = env.sql();
  const nc = await env.connect();
  await sql.begin((tx) => enqueue(tx, testCatalog, [1, 2, 3].map((n) => event(n))));

  // The first relay dies after JetStream acknowledged, before its transaction commits.
  const dying = new OutboxRelay({
    sql,
    nc,
    logger: silentLogger,
    afterPublish: () => {
      throw new Error("killed between publish and delete");
    },
  });
  await assert.rejects(() => dying.publishBatch(), /killed/);
  const [{ n }] = await sql`select count(*)::int as n from outbox`;
  assert.equal(n, 3, "the rows are still there");

  const next = new OutboxRelay({ sql, nc, logger: silentLogger });
  assert.equal(await next.publishBatch(), 3);
  const published = await streamEvents(nc);
  assert.deepEqual(
    published.map((e) => e.data.n),
    [1, 2, 3],
    "Nats-Msg-Id de-duplicated the re-publish",
  );
});

integration(
  "an event whose data breaks its schema is refused at enqueue, with its field",
  async () => {
    await using env = await testEnv();
    await env.migrate();
    const sql = env.sql();
    const bad = createEvent({
      type: "test.happened",
      source: "t",
      subject: "a",
      data: { n: "one" },
    });
    await assert.rejects(
      () => sql.begin((tx) => enqueue(tx, testCatalog, bad)),
      /Cannot emit test\.happened: n:/,
    );
  },
);

integration(
  "a payload written as bytea (a writer of the release before payloads were text) is refused",
  async () => {
    await using env = await testEnv();
    await env.migrate();
    const sql = env.sql();
    const e = event(1);
    const bytes = new TextEncoder().encode(JSON.stringify(e));
    await assert.rejects(
      () =>
        sql`insert into outbox (event_id, subject, aggregate, payload)
          values (${e.id}, 'test.happened', 'test:agg-1', ${bytes})`,
      /outbox_payload_is_json_object/,
    );
    await sql.begin((tx) => enqueue(tx, testCatalog, e));
    const [row] = await sql<{ payload: string }[]>`select payload from outbox`;
    assert.deepEqual(JSON.parse(row.payload), e, "the current writer stores the JSON text");
  },
);

integration("several relays at once publish every event once, in order per aggregate", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  await env.migrate();
  const sql = env.sql(20);
  const nc = await env.connect();
  const aggregates = ["a", "b", "c", "d", "e"];
  const total = 2_000;
  for (let start = 0; start < total; start += 200) {
    await sql.begin((tx) =>
      enqueue(
        tx,
        testCatalog,
        Array.from({ length: 200 }, (_, i) => event(start + i, aggregates[(start + i) % 5])),
      )
    );
  }
  const relays = Array.from(
    { length: 4 },
    () => new OutboxRelay({ sql, nc, logger: silentLogger, batchSize: 50, pollMs: 50 }),
  );
  await Promise.all(relays.map((r) => r.start()));
  await eventually("outbox drained", async () => (await relays[0].pending()) === 0, 60_000);
  await Promise.all(relays.map((r) => r.stop()));

  const published = await streamEvents(nc);
  assert.equal(published.length, total);
  assert.equal(new Set(published.map((e) => e.id)).size, total);
  for (const agg of aggregates) {
    const ns = published.filter((e) => e.subject === agg).map((e) => e.data.n);
    assert.deepEqual(ns, [...ns].sort((x, y) => x - y), `aggregate ${agg} stays in order`);
  }
});

integration(
  "an event committed while the relay is mid-pass is published at once, not at the next poll",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    await env.migrate();
    const sql = env.sql();
    const nc = await env.connect();
    let injected = false;
    const relay = new OutboxRelay({
      sql,
      nc,
      logger: silentLogger,
      pollMs: 60_000, // polling cannot rescue it within this test
      afterPublish: async () => {
        if (injected) return;
        injected = true;
        // Another service request commits its event (and notifies) while this pass runs.
        await env.sql(1).begin((tx) => enqueue(tx, testCatalog, event(2)));
      },
    });
    await relay.start();
    env.defer(() => relay.stop());
    await sql.begin((tx) => enqueue(tx, testCatalog, event(1)));
    await eventually("both published", async () => (await streamEvents(nc)).length === 2, 5_000);
  },
);

integration("a failed pass is counted and retried soon, not at the next poll", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  await env.migrate();
  const sql = env.sql();
  const nc = await env.connect();
  const metrics = createMetrics("test", { process: false });
  let failures = 0;
  const relay = new OutboxRelay({
    sql,
    nc,
    logger: silentLogger,
    metrics,
    pollMs: 60_000, // polling cannot rescue it within this test
    afterPublish: () => {
      if (++failures <= 2) throw new Error("killed between publish and delete");
    },
  });
  await sql.begin((tx) => enqueue(tx, testCatalog, event(1)));
  await relay.start();
  env.defer(() => relay.stop());
  await eventually("outbox drained", async () => (await relay.pending()) === 0, 10_000);
  assert.equal((await metrics.outboxErrors.get()).values[0].value, 2);
  assert.equal((await metrics.outboxPublished.get()).values[0].value, 1);
  assert.deepEqual((await streamEvents(nc)).map((e) => e.data.n), [1], "published once");
});
