import assert from "node:assert/strict";
import { jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { eventually, integration, testCatalog, testEnv } from "@flotilla/testkit";
import { startConsumer } from "./consumer.ts";
import { DeadLetterHeaders, DLQ_STREAM } from "./dead_letter.ts";
import { createEvent, type Envelope } from "./envelope.ts";
import { PermanentError, UnavailableError } from "./errors.ts";
import { silentLogger } from "./log.ts";

type Data = { n: number; fail?: string };

const event = (n: number, fail?: string) =>
  createEvent<Data>({
    type: "test.happened",
    source: "test",
    subject: `s-${n}`,
    data: { n, fail },
  });

async function publish(nc: NatsConnection, payload: Envelope | string | Uint8Array) {
  const data = typeof payload === "string"
    ? new TextEncoder().encode(payload)
    : payload instanceof Uint8Array
    ? payload
    : new TextEncoder().encode(JSON.stringify(payload));
  await jetstream(nc).publish("test.happened", data);
}

async function deadLetters(nc: NatsConnection) {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DLQ_STREAM);
  const out = [];
  for (
    let seq = info.state.first_seq;
    seq <= info.state.last_seq && info.state.messages > 0;
    seq++
  ) {
    const m = await jsm.streams.getMessage(DLQ_STREAM, { seq });
    if (m) out.push(m);
  }
  return out;
}

integration(
  "a retryable error is redelivered with growing delay, then dead-lettered with its headers",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    const seen: number[] = [];
    const consumer = startConsumer<Data>({
      nc,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      handler: (_event, ctx: { msg: JsMsg }) => {
        seen.push(Date.now());
        assert.equal(ctx.msg.info.deliveryCount, seen.length);
        return Promise.reject(new Error("flaky downstream"));
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(1));

    const dead = await eventually("dead letter", async () => (await deadLetters(nc))[0], 30_000);
    assert.equal(seen.length, 4, "delivered maxDeliveries times");
    const gaps = seen.slice(1).map((t, i) => t - seen[i]);
    // base 200 ms with equal jitter: [100,200], [200,400], [400,800]
    assert.ok(gaps[0] >= 90, `first retry waited ${gaps[0]} ms`);
    assert.ok(gaps[1] >= 190 && gaps[2] >= 390, `delays grow: ${gaps.join(", ")}`);
    assert.match(
      dead.header.get(DeadLetterHeaders.reason),
      /gave up after 4 deliveries: flaky downstream/,
    );
    assert.equal(dead.header.get(DeadLetterHeaders.subject), "test.happened");
    assert.equal(dead.header.get(DeadLetterHeaders.stream), "TEST");
    assert.equal(dead.header.get(DeadLetterHeaders.sequence), "1");
    assert.equal(dead.header.get(DeadLetterHeaders.consumer), "test-worker");
    assert.equal(dead.header.get(DeadLetterHeaders.deliveries), "4");
    assert.equal(dead.json<Envelope<Data>>().data.n, 1, "the original payload is kept");
  },
);

integration(
  "a permanent error and malformed payloads are dead-lettered at once and do not block the rest",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    const handled: number[] = [];
    const attempts = new Map<number, number>();
    const consumer = startConsumer<Data>({
      nc,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      concurrency: 1,
      handler: (e) => {
        attempts.set(e.data.n, (attempts.get(e.data.n) ?? 0) + 1);
        if (e.data.fail) return Promise.reject(new PermanentError(`Cannot apply: ${e.data.fail}`));
        handled.push(e.data.n);
        return Promise.resolve();
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(1));
    await publish(nc, event(2, "rule broken"));
    await publish(nc, "{not json");
    await publish(nc, new Uint8Array());
    await publish(nc, { ...event(3), data: { n: "three" } } as unknown as Envelope);
    await publish(nc, { ...event(4), type: "test.unknown" });
    await publish(nc, event(5));

    await eventually("all handled", () => handled.length === 2 ? true : undefined);
    const dead = await eventually("five dead letters", async () => {
      const d = await deadLetters(nc);
      return d.length === 5 ? d : undefined;
    });
    assert.deepEqual(handled, [1, 5]);
    assert.equal(attempts.get(2), 1, "a permanent error is not retried");
    const reasons = dead.map((m) => m.header.get(DeadLetterHeaders.reason));
    assert.match(reasons[0], /Cannot apply: rule broken/);
    assert.match(reasons[1], /not JSON/);
    assert.match(reasons[2], /empty message/);
    assert.match(reasons[3], /data\.n: /);
    assert.match(reasons[4], /unknown type "test\.unknown"/);
    assert.ok(dead.every((m) => m.header.get(DeadLetterHeaders.deliveries) === "1"));
  },
);

integration(
  "redelivering a handled event changes nothing (inbox in the handler's transaction)",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    await env.migrate();
    const sql = env.sql();
    await sql`create table effects (n int not null)`;
    const nc = await env.connect();
    let calls = 0;
    const consumer = startConsumer<Data>({
      nc,
      sql,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      handler: async (e, { tx }) => {
        calls++;
        await tx`insert into effects (n) values (${e.data.n})`;
      },
    });
    env.defer(() => consumer.stop());
    const e = event(7);
    // The same event arrives three times: a publisher retry after the dedup window, say.
    await publish(nc, e);
    await publish(nc, e);
    await publish(nc, e);
    await eventually("three deliveries handled", async () => {
      const info = await (await jetstreamManager(nc)).consumers.info("TEST", "test-worker");
      return info.num_ack_pending === 0 && info.delivered.stream_seq === 3;
    });
    const [row] = await sql`select count(*)::int as n from effects`;
    assert.equal(row.n, 1, "one effect");
    assert.equal(calls, 1, "the handler ran once");
  },
);

integration(
  "a handler whose transaction fails leaves no inbox record, so the retry applies it",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    await env.migrate();
    const sql = env.sql();
    await sql`create table effects (n int not null)`;
    const nc = await env.connect();
    let calls = 0;
    const consumer = startConsumer<Data>({
      nc,
      sql,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      handler: async (e, { tx }) => {
        calls++;
        await tx`insert into effects (n) values (${e.data.n})`;
        if (calls === 1) throw new Error("crash after the write");
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(8));
    await eventually("applied on the second delivery", async () => {
      const [row] = await sql`select count(*)::int as n from effects`;
      return row.n === 1 && calls === 2;
    });
  },
);

integration(
  "batch mode: one transaction per batch, a poison message isolated, duplicates skipped",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    await env.migrate();
    const sql = env.sql();
    await sql`create table effects (n int primary key)`;
    const nc = await env.connect();
    const batchSizes: number[] = [];
    const consumer = startConsumer<Data>({
      nc,
      sql,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      batch: {
        size: 100,
        maxWaitMs: 100,
        handler: async (events, { tx }) => {
          batchSizes.push(events.length);
          if (events.some((e) => e.data.fail)) throw new PermanentError("batch holds a bad one");
          await tx`insert into effects ${tx(events.map((e) => ({ n: e.data.n })))}`;
        },
      },
    });
    env.defer(() => consumer.stop());
    const js = jetstream(nc);
    const events = Array.from(
      { length: 300 },
      (_, i) => event(i, i === 150 ? "poison" : undefined),
    );
    await Promise.all(events.map((e) => js.publish("test.happened", JSON.stringify(e))));
    await js.publish("test.happened", JSON.stringify(events[10])); // a duplicate

    await eventually("299 effects", async () => {
      const [row] = await sql`select count(*)::int as n from effects`;
      return row.n === 299;
    });
    const dead = await eventually("poison dead-lettered", async () => (await deadLetters(nc))[0]);
    assert.match(dead.header.get(DeadLetterHeaders.reason), /batch holds a bad one/);
    assert.ok(batchSizes.some((s) => s > 1), `batched: ${batchSizes.slice(0, 5)}`);
    await eventually("duplicate acked", async () => {
      const info = await (await jetstreamManager(nc)).consumers.info("TEST", "test-worker");
      return info.num_ack_pending === 0 && info.num_pending === 0;
    });
    const [row] = await sql`select count(*)::int as n from effects`;
    assert.equal(row.n, 299);
  },
);

integration(
  "with Postgres down, messages are held (no deliveries spent, nothing dead-lettered) and applied when it returns",
  async () => {
    await using env = await testEnv({ ownPostgres: true });
    await env.provision(testCatalog);
    await env.migrate();
    const sql = env.sql();
    await sql`create table effects (n int primary key)`;
    const nc = await env.connect();
    const consumer = startConsumer<Data>({
      nc,
      sql,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      batch: {
        size: 50,
        handler: async (events, { tx }) => {
          await tx`insert into effects ${tx(events.map((e) => ({ n: e.data.n })))}`;
        },
      },
    });
    env.defer(() => consumer.stop());
    await env.pg!.stop();
    const js = jetstream(nc);
    for (let i = 0; i < 100; i++) await js.publish("test.happened", JSON.stringify(event(i)));
    // Longer than maxDeliveries × backoff would allow if held messages spent deliveries.
    await new Promise((r) => setTimeout(r, 6_000));
    await env.pg!.start();
    await eventually("all applied", async () => {
      const [row] = await sql`select count(*)::int as n from effects`;
      return row.n === 100;
    }, 40_000);
    assert.equal((await deadLetters(nc)).length, 0);
  },
);

integration(
  "wrapping dependency errors as UnavailableError holds instead of retrying",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    let calls = 0;
    const consumer = startConsumer<Data>({
      nc,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      handler: () => {
        calls++;
        return calls < 8
          ? Promise.reject(new UnavailableError("provider down"))
          : Promise.resolve();
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(1));
    await eventually("handled after outage", () => calls === 8, 30_000);
    await eventually("acked", async () => {
      const info = await (await jetstreamManager(nc)).consumers.info("TEST", "test-worker");
      return info.num_ack_pending === 0 && info.delivered.consumer_seq === 1;
    });
    assert.equal((await deadLetters(nc)).length, 0, "8 attempts, one delivery, no dead letter");
  },
);

/** Dead-letter reasons by the original stream sequence. */
async function deadLetterReasons(nc: NatsConnection): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await deadLetters(nc)).map((m) => [
      m.header.get(DeadLetterHeaders.sequence),
      m.header.get(DeadLetterHeaders.reason),
    ]),
  );
}

/** Waits past the consumer's ack_wait: a message left unterminated would come back by then. */
async function settledPastAckWait(nc: NatsConnection, durable: string) {
  const jsm = await jetstreamManager(nc);
  const ackWaitNs = (await jsm.consumers.info("TEST", durable)).config.ack_wait;
  assert.ok(ackWaitNs, "the consumer has an ack_wait");
  await new Promise((r) => setTimeout(r, 3 * ackWaitNs / 1_000_000));
  const info = await jsm.consumers.info("TEST", durable);
  return {
    ack_pending: info.num_ack_pending,
    redelivered: info.num_redelivered,
    pending: info.num_pending,
    deliveries: info.delivered.consumer_seq,
  };
}

integration(
  "a dead-lettered message leaves ack-pending for good: not redelivered past ack_wait",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    const calls = new Map<number, number>();
    const consumer = startConsumer<Data>({
      nc,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-short-ack",
      logger: silentLogger,
      handler: (e) => {
        calls.set(e.data.n, (calls.get(e.data.n) ?? 0) + 1);
        return Promise.reject(
          e.data.fail ? new PermanentError(`Cannot apply: ${e.data.fail}`) : new Error("flaky"),
        );
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(1, "rule broken")); // dead-lettered at its first delivery
    await publish(nc, event(2)); // at its last allowed delivery (maxDeliveries 2)
    await publish(nc, "{not json"); // before any handler runs
    await eventually("three dead letters", async () => (await deadLetters(nc)).length === 3);

    assert.deepEqual(
      await settledPastAckWait(nc, "test-short-ack"),
      { ack_pending: 0, redelivered: 0, pending: 0, deliveries: 4 },
      "a dead-lettered message is still pending or came back after ack_wait",
    );
    assert.deepEqual(Object.fromEntries(calls), { 1: 1, 2: 2 }, "handler calls per event");
    const reasons = await deadLetterReasons(nc);
    assert.match(reasons["1"], /Cannot apply: rule broken/);
    assert.match(reasons["2"], /gave up after 2 deliveries: flaky/);
    assert.match(reasons["3"], /not JSON/);
  },
);

integration(
  "batch mode: a dead-lettered message leaves ack-pending for good: not redelivered past ack_wait",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    await env.migrate();
    const nc = await env.connect();
    const consumer = startConsumer<Data>({
      nc,
      sql: env.sql(),
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-short-ack",
      logger: silentLogger,
      batch: {
        size: 10,
        maxWaitMs: 20,
        // The permanent failure wins in a mixed batch, so each message's deliveries are the
        // same however the batches fall: event 1 once, event 2 up to its limit.
        handler: (events) =>
          Promise.reject(
            events.some((e) => e.data.fail)
              ? new PermanentError("batch holds a bad one")
              : new Error("flaky"),
          ),
      },
    });
    env.defer(() => consumer.stop());
    await publish(nc, event(1, "rule broken"));
    await publish(nc, event(2));
    await publish(nc, "{not json");
    await eventually("three dead letters", async () => (await deadLetters(nc)).length === 3);

    assert.deepEqual(
      await settledPastAckWait(nc, "test-short-ack"),
      { ack_pending: 0, redelivered: 0, pending: 0, deliveries: 4 },
      "a dead-lettered message is still pending or came back after ack_wait",
    );
    const reasons = await deadLetterReasons(nc);
    assert.match(reasons["1"], /batch holds a bad one/);
    assert.match(reasons["2"], /gave up after 2 deliveries: flaky/);
    assert.match(reasons["3"], /not JSON/);
  },
);
