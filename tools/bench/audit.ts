/**
 * `deno task bench audit [--events N] [--rows M] [--queries Q]`: on throw-away nats-server and
 * PostgreSQL (durable settings: fsync on), in one run:
 *  1. publishes N audit events (100,000) to the AUDIT stream;
 *  2. raw baseline: a plain pull consumer consumes and acks the same N messages;
 *  3. the auditlog ingest (consumer runtime in batch mode, inbox dedup, hash chain, multi-row
 *     insert into audit_logs with its indexes) stores the same N messages;
 *     prints both rates and their ratio;
 *  4. tops audit_logs up to M rows (1,000,000) with one insert … select generate_series, then
 *     serves the auditlog HTTP app on 127.0.0.1 and times Q queries by actor and Q by target
 *     (first page of 50, newest first): p50 / p99 / max.
 */
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { AUDIT_EXPORTS_BUCKET, AUDIT_STREAM, auditlogAccess } from "@flotilla/contracts";
import {
  auditEvent,
  auditSubject,
  createLogger,
  createMetrics,
  silentLogger,
} from "@flotilla/backbone";
import {
  auditlogCatalog,
  checkpointStore,
  createApp,
  decodeCursor,
  loadKeys,
  searchLogs,
  startIngest,
} from "@flotilla/auditlog/testing";
import { freePort } from "@flotilla/infra";
import { testIdentity } from "@flotilla/testkit";
import {
  ascending,
  Bench,
  loadAverage,
  numberFlags,
  percentile,
  publishInBatches,
  rawConsume,
  waitFor,
} from "./kit/mod.ts";

const { events: N, rows: ROWS, queries: QUERIES, batch: BATCH, pipelines: PIPELINES } = numberFlags(
  { events: 100_000, rows: 1_000_000, queries: 1_000, batch: 1_000, pipelines: 2 },
);
const PHASE_LIMIT_MS = 300_000;

const log = (line: string) => console.log(line);
const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString("en-US");
const bounded = <T>(what: string, p: Promise<T>): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} took over ${PHASE_LIMIT_MS} ms`)),
        PHASE_LIMIT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
};

await Bench.run("audit", async (bench) => {
  const nats = await bench.nats();
  const pg = await bench.postgres();
  await bench.provision(nats, auditlogCatalog);
  // The bench publishes and reads the raw baseline as the admin; the auditlog's parts run as
  // the auditlog: its NATS identity and its database's runtime role.
  const nc = await bench.connect(nats);
  const vars = await bench.serviceEnv(auditlogAccess, nats, pg);
  const sql = await bench.serviceSql(vars, "bench-audit", 12);
  const serviceNc = await bench.connect(nats, auditlogAccess.service);
  const { chainKeys, checkpointKeys } = await loadKeys(vars);
  const js = jetstream(nc);
  log(`load average at start: ${loadAverage()} (${navigator.hardwareConcurrency} cores)`);
  log(
    `auditlog benchmark: ${N.toLocaleString("en-US")} events, ${
      ROWS.toLocaleString("en-US")
    } rows for queries`,
  );

  // 1. Publish.
  const encoder = new TextEncoder();
  let t0 = performance.now();
  await publishInBatches(N, (i) => {
    const e = auditEvent({
      source: ["accounts", "transactions", "users", "listings"][i % 4],
      actor: {
        type: "user",
        id: `user-${i % 997}`,
        ip: `10.1.${i % 200}.${i % 250}`,
        user_agent: "bench/1.0",
      },
      action: i % 5 === 0 ? "account.created" : "account.updated",
      target: { type: "account", id: i % 5_003 },
      before: i % 5 === 0 ? null : { balance: i, currency: "EUR" },
      after: { balance: i + 10, currency: "EUR" },
      metadata: { request_id: `req-${i}` },
    });
    return js.publish(auditSubject(e.source), encoder.encode(JSON.stringify(e)), { msgID: e.id });
  });
  log(`publish: ${rate(N, (performance.now() - t0) / 1000)} events/s`);

  // 2. Raw consume + ack of the same messages.
  const rawSeconds = await bounded(
    "raw consume",
    rawConsume(nc, AUDIT_STREAM, N, { maxAckPending: 10_000, parse: true }),
  );
  const rawRate = N / rawSeconds;
  log(
    `raw consume+ack: ${N} messages in ${rawSeconds.toFixed(2)} s = ${
      rate(N, rawSeconds)
    } events/s`,
  );

  // 3. The auditlog ingest on the same messages.
  const metrics = createMetrics("auditlog", { process: false });
  t0 = performance.now();
  const consumers = startIngest({
    nc: serviceNc,
    sql,
    logger: createLogger({ service: "bench-audit", level: "warn" }),
    metrics,
    chainKeys,
  }, { AUDIT_BATCH_SIZE: BATCH, AUDIT_BATCH_WAIT_MS: 20, AUDIT_PIPELINES: PIPELINES });
  await waitFor("ingest", async () => {
    const [{ seq }] = await sql<{ seq: string }[]>`select seq from audit_chain_head`;
    return Number(seq) >= N || undefined;
  }, { timeoutMs: PHASE_LIMIT_MS, intervalMs: 10 });
  const storedSeconds = (performance.now() - t0) / 1000;
  const storedRate = N / storedSeconds;
  await Promise.all(consumers.map((c) => c.stop()));
  log(
    `stored (batch ${BATCH} x ${PIPELINES} pipelines, inbox, hash chain, 8 indexes): ${N} events in ${
      storedSeconds.toFixed(2)
    } s = ${rate(N, storedSeconds)} events/s`,
  );
  log(
    `ratio stored/raw: ${
      (storedRate / rawRate).toFixed(2)
    } (target ≥ 0.5); stored target ≥ 10,000 events/s`,
  );

  const app = createApp({
    identity: await testIdentity.verifier("auditlog"),
    service: "auditlog",
    catalog: auditlogCatalog,
    logger: silentLogger,
    metrics,
    sql,
    exportsBucket: () => new Objm(serviceNc).open(AUDIT_EXPORTS_BUCKET),
    chainKeys,
    checkpointKeys,
    checkpoints: checkpointStore(jetstream(serviceNc)),
  });
  const port = freePort();
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, app.fetch);
  bench.defer(() => server.shutdown());
  const base = `http://127.0.0.1:${port}/api/v1/audit-logs`;

  t0 = performance.now();
  // Signed before each timed request, as the gateway would, outside the time taken.
  const authed = async (url: string) => ({ url, headers: await testIdentity.headers("auditlog") });
  const verify = await (await fetch(`${base}/verify`, await authed(base))).json();
  log(
    `verify chain of ${verify.rows_checked} rows: ok=${verify.ok} in ${
      ((performance.now() - t0) / 1000).toFixed(2)
    } s`,
  );

  // 4. Top up to ROWS rows (10,000 actors, 100,000 targets, a year of timestamps), then query.
  t0 = performance.now();
  const admin = bench.adminSql(pg, "auditlog", 1);
  await bounded(
    "generate rows",
    admin`
    insert into audit_logs (seq, event_id, occurred_at, actor_type, actor_id, actor_ip,
      actor_user_agent, action, target_type, target_id, service, correlation_id, changes,
      metadata, prev_hash, hash)
    select g, 'gen-' || g,
      timestamptz '2026-01-01 00:00:00Z' + (g * 31) * interval '1 second',
      'user', 'actor-' || (g % 10000), '10.2.0.' || (g % 250), 'bench/1.0',
      case when g % 5 = 0 then 'account.created' else 'account.updated' end,
      case when g % 2 = 0 then 'account' else 'transaction' end, (g % 100000)::text,
      case when g % 2 = 0 then 'accounts' else 'transactions' end, 'corr-' || (g / 3),
      jsonb_build_object('before', null, 'after', jsonb_build_object('balance', g)),
      jsonb_build_object('request_id', 'req-' || g), repeat('0', 64), repeat('0', 64)
    from generate_series(${N + 1}::bigint, ${ROWS}::bigint) g`.then(() =>
      admin`analyze audit_logs`
    ),
  );
  const [{ n: total }] = await sql<{ n: number }[]>`select count(*)::int as n from audit_logs`;
  log(
    `generated rows: total ${total.toLocaleString("en-US")} in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );

  const time = async (label: string, url: (i: number) => string | Promise<string>) => {
    for (let i = 0; i < 50; i++) {
      const warm = await authed(await url(i));
      await (await fetch(warm.url, warm)).arrayBuffer(); // warm-up
    }
    const took: number[] = [];
    let rows = 0;
    for (let i = 0; i < QUERIES; i++) {
      const target = await authed(await url(i + 50));
      const started = performance.now();
      const res = await fetch(target.url, target);
      const body = await res.json();
      took.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
      rows += body.data.length;
    }
    took.sort(ascending);
    // The same requests' database part alone: the repository call the route makes.
    const inDb: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const params = new URL(await url(i + 50)).searchParams;
      const filters = Object.fromEntries(
        [...params].filter(([k]) => k !== "limit" && k !== "cursor"),
      );
      const cursor = params.get("cursor");
      const started = performance.now();
      await searchLogs(sql, filters, {
        limit: 50,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      inDb.push(performance.now() - started);
    }
    inDb.sort(ascending);
    log(
      `query by ${label}: ${QUERIES} requests, ${(rows / QUERIES).toFixed(1)} rows each: p50 ${
        percentile(took, 0.5).toFixed(2)
      } ms, p99 ${percentile(took, 0.99).toFixed(2)} ms, max ${
        took[took.length - 1].toFixed(2)
      } ms (target p99 ≤ 20 ms); repository call alone: p50 ${
        percentile(inDb, 0.5).toFixed(2)
      } ms, p99 ${percentile(inDb, 0.99).toFixed(2)} ms`,
    );
  };
  const pick = (i: number, mod: number) => (i * 7919) % mod;
  await bounded(
    "queries",
    (async () => {
      await time("actor", (i) => `${base}?actor_id=actor-${pick(i, 10_000)}&limit=50`);
      await time("target", (i) => {
        const id = pick(i, 100_000);
        return `${base}?target_type=${
          id % 2 === 0 ? "account" : "transaction"
        }&target_id=${id}&limit=50`;
      });
      // The second page of an actor: the keyset cursor path (page 1 fetched untimed).
      await time("actor, page 2", async (i) => {
        const first = `${base}?actor_id=actor-${pick(i, 10_000)}&limit=50`;
        const { next_cursor } = await (await fetch(first, await authed(first))).json();
        return next_cursor ? `${first}&cursor=${next_cursor}` : first;
      });
    })(),
  );
  log(`load average at end: ${loadAverage()}`);
});
