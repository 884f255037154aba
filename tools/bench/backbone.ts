/**
 * `deno task bench backbone [--events N]`: in one run, on throw-away nats-server and PostgreSQL
 * (durable settings: fsync on),
 *  1. raw JetStream: publish N events (pipelined) while a pull consumer consumes and acks them
 *     (as the admin: no permissions to check);
 *  2. the full path: services write N events to the outbox (100 per transaction, 4 writers),
 *     the relay publishes them, the consumer runtime (batch mode) records each in the inbox,
 *     as a service does: its own NATS identity (permissions on) and database role;
 * and prints both rates in events/s and their ratio.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { z } from "zod";
import {
  createEvent,
  deadLetterCatalog,
  defineAccess,
  defineCatalog,
  enqueue,
  mergeCatalogs,
  OutboxRelay,
  silentLogger,
  startConsumer,
} from "@flotilla/backbone";
import { Bench } from "./kit/mod.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const N = arg("events", 50_000);

const catalog = mergeCatalogs(
  deadLetterCatalog,
  defineCatalog({
    streams: [
      { name: "BENCH_RAW", subjects: ["raw.>"], description: "raw baseline" },
      { name: "BENCH", subjects: ["bench.>"], description: "full path" },
    ],
    consumers: [{
      stream: "BENCH",
      durable: "bench-worker",
      description: "full path",
      maxAckPending: 10_000,
    }],
    events: { "bench.happened": { schema: z.object({ i: z.number().int() }) } },
  }),
);

/** The full path's writer and consumer, as one service. */
const benchAccess = defineAccess({
  service: "bench",
  publishes: ["bench.happened"],
  consumes: [{ stream: "BENCH", durable: "bench-worker" }],
  database: {},
});

await Bench.run("backbone", async (bench) => {
  const nats = await bench.nats([{ catalog, access: [benchAccess] }]);
  const pg = await bench.postgres();
  const nc = await bench.connect(nats);
  await bench.provision(nats, catalog);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const payload = (i: number) =>
    JSON.stringify(
      createEvent({
        type: "bench.happened",
        source: "bench",
        subject: `a-${i % 1000}`,
        data: { i },
      }),
    );

  // 1. Raw JetStream: pipelined publish, concurrent pull consume + ack.
  await jsm.consumers.add("BENCH_RAW", {
    durable_name: "raw",
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 10_000,
  });
  const rawStart = performance.now();
  const rawConsumed = (async () => {
    const c = await js.consumers.get("BENCH_RAW", "raw");
    const iter = await c.consume({ max_messages: 1_000 });
    let n = 0;
    for await (const m of iter) {
      JSON.parse(new TextDecoder().decode(m.data));
      m.ack();
      if (++n === N) break;
    }
    await iter.close();
  })();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    window.push(js.publish("raw.happened", payload(i), { msgID: `raw-${i}` }));
    if (window.length >= 1_000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  await rawConsumed;
  const rawSeconds = (performance.now() - rawStart) / 1000;
  const rawRate = N / rawSeconds;
  console.log(
    `raw JetStream publish+consume+ack: ${N} events in ${rawSeconds.toFixed(2)} s = ${
      Math.round(rawRate)
    } events/s`,
  );

  // 2. Full path: outbox (same transaction as the writer's state) → relay → consumer + inbox.
  const vars = await bench.serviceEnv(benchAccess, nats, pg);
  const sql = await bench.serviceSql(vars, "bench", 12);
  const serviceNc = await bench.connect(nats, benchAccess.service);
  const relay = new OutboxRelay({
    sql,
    nc: serviceNc,
    logger: silentLogger,
    batchSize: 1_000,
    pollMs: 200,
  });
  const consumer = startConsumer<{ i: number }>({
    nc: serviceNc,
    sql,
    catalog,
    stream: "BENCH",
    durable: "bench-worker",
    logger: silentLogger,
    batch: {
      size: 500,
      maxWaitMs: 20,
      handler: () => Promise.resolve(),
    },
  });
  const perTx = 100;
  const writers = 4;
  const write = (offset: number) =>
    Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let start = w * perTx; start < N; start += perTx * writers) {
        const events = Array.from({ length: Math.min(perTx, N - start) }, (_, k) =>
          createEvent({
            type: "bench.happened",
            source: "bench",
            subject: `a-${(start + k) % 1000}`,
            data: { i: offset + start + k },
          }));
        await sql.begin((tx) => enqueue(tx, catalog, events));
      }
    }));
  // The handler saw the last event; a round ends when its transaction has committed.
  const inboxReaches = async (target: number) => {
    let rows = 0;
    while (rows < target) {
      [{ n: rows }] = await sql<{ n: number }[]>`select count(*)::int as n from inbox`;
      if (rows < target) await new Promise((r) => setTimeout(r, 5));
    }
  };

  // 2a. Concurrent: writers, relay and consumer all running.
  let t0 = performance.now();
  await relay.start();
  await write(0);
  const writeSeconds = (performance.now() - t0) / 1000;
  await inboxReaches(N);
  const concurrentSeconds = (performance.now() - t0) / 1000;
  const concurrentRate = N / concurrentSeconds;
  console.log(
    `writers → outbox → relay → consumer, concurrently: ${N} events in ${
      concurrentSeconds.toFixed(2)
    } s = ${Math.round(concurrentRate)} events/s (the writers alone needed ${
      writeSeconds.toFixed(2)
    } s)`,
  );

  // 2b. Drain: the outbox already holds N events (NATS was "down"); relay + consumer catch up.
  await relay.stop();
  t0 = performance.now();
  await write(N);
  const fillRate = N / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  await relay.start();
  await inboxReaches(2 * N);
  const drainRate = N / ((performance.now() - t0) / 1000);
  console.log(
    `outbox backlog → relay → consumer (batch, inbox dedup): ${Math.round(drainRate)} events/s ` +
      `(filling the outbox: ${Math.round(fillRate)} events/s)`,
  );
  console.log(`ratio concurrent/raw: ${(concurrentRate / rawRate).toFixed(2)} (target ≥ 0.5)`);
  console.log(`ratio drain/raw:      ${(drainRate / rawRate).toFixed(2)}`);
  await consumer.stop();
  await relay.stop();
});
