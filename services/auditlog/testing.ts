/**
 * Test support for the auditlog (its tests, the fault tests under tests/, the benchmark):
 * audit events to publish, a publisher that retries like the outbox relay, a tally of stored
 * rows, and the service's parts wired in-process on a test env.
 */
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport";
import {
  AUDIT_RECORDED,
  type AuditData,
  auditEvent,
  createLogger,
  createMetrics,
  type Envelope,
  type Logger,
  type Metrics,
  type RunningConsumer,
  silentLogger,
  type Sql,
  startConsumer,
} from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import { type TestEnv, testIdentity } from "@flotilla/testkit";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { SERVICE } from "./config.ts";
import { ingestConsumer, type IngestDeps } from "./consumers.ts";
import { exportWorker } from "./workers.ts";

export { createApp } from "./app.ts";
export { auditlogCatalog } from "./catalog.ts";
export { searchLogs } from "./adapters/audit_repo.ts";
export { decodeCursor } from "./domain/query.ts";

/** Event n: actors u-(n mod 7), targets account/(n mod 11), one second apart from 2026-01-01. */
export function sampleEvent(n: number, overrides: Partial<Envelope<AuditData>> = {}) {
  const event = auditEvent({
    source: n % 2 === 0 ? "accounts" : "transactions",
    actor: {
      type: "user",
      id: `u-${n % 7}`,
      ip: `10.0.0.${n % 250}`,
      user_agent: "flotilla-test/1.0",
    },
    action: n % 3 === 0 ? "account.created" : "account.updated",
    target: { type: "account", id: n % 11 },
    before: n % 3 === 0 ? null : { balance: n },
    after: { balance: n + 1, note: `event ${n}` },
    metadata: { n },
    cause: { correlationId: `corr-${n % 5}` },
  });
  return { ...event, time: new Date(Date.UTC(2026, 0, 1) + n * 1_000).toISOString(), ...overrides };
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes events (the event id as Nats-Msg-Id), a chunk at a time. */
export async function publishEvents(
  nc: NatsConnection,
  events: (Envelope<unknown> | { subject: string; body: string; msgID?: string })[],
  chunk = 500,
): Promise<void> {
  const js = jetstream(nc);
  for (let i = 0; i < events.length; i += chunk) {
    await Promise.all(
      events.slice(i, i + chunk).map((e) =>
        "body" in e
          ? js.publish(e.subject, encoder.encode(e.body), e.msgID ? { msgID: e.msgID } : {})
          : js.publish(AUDIT_RECORDED, encoder.encode(JSON.stringify(e)), { msgID: e.id })
      ),
    );
  }
}

/**
 * Publishes one event at a time at about `perSecond`, retrying each until JetStream acks it
 * (the event id is the Nats-Msg-Id, so a retry never stores it twice).
 */
export async function publishSteadily(
  nc: NatsConnection,
  events: ReturnType<typeof sampleEvent>[],
  perSecond: number,
): Promise<void> {
  const js = jetstream(nc);
  const started = Date.now();
  for (const [i, e] of events.entries()) {
    while (true) {
      try {
        await js.publish(AUDIT_RECORDED, encoder.encode(JSON.stringify(e)), {
          msgID: e.id,
          timeout: 2_000,
        });
        break;
      } catch {
        await sleep(200);
      }
    }
    const due = started + ((i + 1) * 1_000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

/** Stored rows, distinct event ids and the highest seq: all equal when nothing was lost or doubled. */
export async function tally(sql: Sql): Promise<{ rows: number; ids: number; maxSeq: number }> {
  const [r] = await sql`
    select count(*)::int as rows, count(distinct event_id)::int as ids,
      coalesce(max(seq), 0)::int as max_seq from audit_logs`;
  return { rows: r.rows, ids: r.ids, maxSeq: r.max_seq };
}

/** The outage length: AUDIT_FAULT_OUTAGE_MS (the issue says 20 s; tests default to 5 s). */
export function outageMs(): number {
  return Number(Deno.env.get("AUDIT_FAULT_OUTAGE_MS") ?? 5_000);
}

/** The ingest consumer's copies, started as the launcher starts them, without the rest. */
export function startIngest(
  parts: { nc: NatsConnection; sql: Sql; logger: Logger; metrics?: Metrics },
  config: IngestDeps["config"],
): RunningConsumer[] {
  const { copies = 1, transactional: _, ...declaration } = ingestConsumer({
    catalog: auditlogCatalog,
    metrics: parts.metrics,
    config,
  });
  return Array.from(
    { length: copies },
    () => startConsumer<AuditData>({ ...declaration, ...parts, catalog: auditlogCatalog }),
  );
}

export interface InProcessAuditlog {
  /** The app, each request with a token that has every scope. */
  app: { request(path: string, init?: RequestInit): Promise<Response> };
  sql: Sql;
  nc: NatsConnection;
  count(): Promise<number>;
}

/** Provisions and migrates the env, then starts `replicas` ingests, the app and its worker. */
export async function startInProcess(
  env: TestEnv,
  options: { replicas?: number; batchSize?: number; pipelines?: number } = {},
): Promise<InProcessAuditlog> {
  await env.provision(auditlogCatalog);
  await env.migrate(SERVICE);
  const sql = env.sql();
  const nc = await env.connect();
  const metrics = createMetrics(SERVICE, { process: false });
  const logger = Deno.env.get("AUDIT_TEST_LOG") ? createLogger({ service: SERVICE }) : silentLogger;
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    const consumers = startIngest({
      nc: i === 0 ? nc : await env.connect(),
      sql: i === 0 ? sql : env.sql(),
      logger,
      metrics: i === 0 ? metrics : undefined,
    }, {
      AUDIT_BATCH_SIZE: options.batchSize ?? 200,
      AUDIT_BATCH_WAIT_MS: 20,
      AUDIT_PIPELINES: options.pipelines ?? 2,
    });
    for (const consumer of consumers) env.defer(() => consumer.stop());
  }
  const objm = new Objm(nc);
  const exportsBucket = () => objm.open(AUDIT_EXPORTS_BUCKET);
  const worker = exportWorker({
    sql,
    exportsBucket,
    logger: silentLogger,
    idleMs: 200,
    staleMs: 60_000,
  });
  await worker.start();
  env.defer(() => worker.stop());
  const service = createApp({
    identity: await testIdentity.verifier(SERVICE),
    service: SERVICE,
    catalog: auditlogCatalog,
    logger: silentLogger,
    metrics,
    sql,
    exportsBucket,
    onExportRequested: () => worker.wake(),
  });
  const count = async () => Number((await sql`select count(*)::int as n from audit_logs`)[0].n);
  return { app: { request: testIdentity.request(service, SERVICE) }, sql, nc, count };
}
