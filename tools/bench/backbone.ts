/**
 * `deno task bench backbone [--events N]`: in one run, on throw-away nats-server and PostgreSQL
 * (durable settings: fsync on),
 *  1. raw JetStream: publish N events (pipelined) while a pull consumer consumes and acks them
 *     (as the admin: no permissions to check);
 *  2. the full path: services write N events to the outbox (100 per transaction, 4 writers),
 *     the relay publishes them, the consumer runtime (batch mode) records each in the inbox,
 *     as a service does: its own NATS identity (permissions on) and database role;
 * and prints both rates in events/s and their ratio.
 *
 * `--tracing` runs the full path once more in a child process with tracing on (Deno's
 * OpenTelemetry, spans exported over OTLP to a counting receiver in this process) and
 * reports what tracing costs against the run with tracing off.
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
import { startOtlpReceiver } from "@flotilla/infra";
import { Bench } from "./kit/mod.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const N = arg("events", 50_000);
/** Only the full path, its rates printed as one JSON line: the traced half of `--tracing`. */
const FULL_PATH_ONLY = Deno.args.includes("--full-path-only");
const TRACING = Deno.args.includes("--tracing");

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

  if (FULL_PATH_ONLY) {
    console.log(JSON.stringify(await fullPath()));
    return;
  }
  const rawRate = await rawJetStream();
  const { concurrentRate, drainRate } = await fullPath();
  console.log(`ratio concurrent/raw: ${(concurrentRate / rawRate).toFixed(2)} (target ≥ 0.5)`);
  console.log(`ratio drain/raw:      ${(drainRate / rawRate).toFixed(2)}`);
  if (TRACING) await tracingCost({ concurrentRate, drainRate });

  async function rawJetStream(): Promise<number> {
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

    return rawRate;
  }

  async function fullPath(): Promise<{ concurrentRate: number; drainRate: number }> {
    // 2. Full path: outbox (same transaction as the writer's state) → relay → consumer + inbox.
    const vars = await bench.serviceEnv(benchAccess, nats, pg);
    const sql = await bench.serviceSql(vars, "bench", 12);
    const serviceNc = await bench.connect(nats, benchAccess.service);
    const newRelay = () =>
      new OutboxRelay({
        sql,
        nc: serviceNc,
        logger: silentLogger,
        batchSize: 1_000,
        pollMs: 200,
      });
    const relay = newRelay();
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
    // A stopped relay does not start again: a new one, as after a restart.
    const drainer = newRelay();
    await drainer.start();
    await inboxReaches(2 * N);
    const drainRate = N / ((performance.now() - t0) / 1000);
    console.log(
      `outbox backlog → relay → consumer (batch, inbox dedup): ${Math.round(drainRate)} events/s ` +
        `(filling the outbox: ${Math.round(fillRate)} events/s)`,
    );
    await consumer.stop();
    await drainer.stop();
    return { concurrentRate, drainRate };
  }
});

/** The full path again in a process with tracing on; the rates side by side. */
async function tracingCost(off: { concurrentRate: number; drainRate: number }) {
  await using sink = startOtlpReceiver({ keepSpans: false });
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--events", String(N), "--full-path-only"],
    env: sink.env("bench"),
    stderr: "inherit",
  }).output();
  if (!child.success) throw new Error("the traced run failed");
  const lines = new TextDecoder().decode(child.stdout).trim().split("\n");
  const on: typeof off = JSON.parse(lines[lines.length - 1]);
  const change = (a: number, b: number) => `${((b / a - 1) * 100).toFixed(1)}%`;
  console.log(`\ntracing off → on (the traced run in a fresh world of its own):`);
  console.log(
    `  concurrent: ${Math.round(off.concurrentRate)} → ${Math.round(on.concurrentRate)} ` +
      `events/s (${change(off.concurrentRate, on.concurrentRate)})`,
  );
  console.log(
    `  drain:      ${Math.round(off.drainRate)} → ${Math.round(on.drainRate)} events/s ` +
      `(${change(off.drainRate, on.drainRate)})`,
  );
  console.log(`  spans exported: ${sink.received} (a publish and a process span per event)`);
}
