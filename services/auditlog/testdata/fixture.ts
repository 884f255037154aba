/** Test helpers: audit events to publish, and the auditlog wired in-process on a test env. */
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
  type RunningConsumer,
  silentLogger,
  type Sql,
} from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import type { TestEnv } from "@flotilla/testkit";
import { createApp } from "../app.ts";
import { auditlogCatalog } from "../catalog.ts";
import { ExportWorker } from "../handlers/export_worker.ts";
import { startIngest } from "../handlers/ingest.ts";

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

export interface InProcessAuditlog {
  app: ReturnType<typeof createApp>;
  sql: Sql;
  nc: NatsConnection;
  consumers: RunningConsumer[];
  worker: ExportWorker;
  count(): Promise<number>;
}

/** Provisions and migrates the env, then starts `replicas` consumers, the app and its worker. */
export async function startInProcess(
  env: TestEnv,
  options: { replicas?: number; batchSize?: number; pipelines?: number } = {},
): Promise<InProcessAuditlog> {
  await env.provision(auditlogCatalog);
  await env.migrate("auditlog");
  const sql = env.sql();
  const nc = await env.connect();
  const metrics = createMetrics("auditlog", { process: false });
  const consumers: RunningConsumer[] = [];
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    const started = startIngest({
      nc: i === 0 ? nc : await env.connect(),
      sql: i === 0 ? sql : env.sql(),
      catalog: auditlogCatalog,
      logger: Deno.env.get("AUDIT_TEST_LOG") ? createLogger({ service: "auditlog" }) : silentLogger,
      metrics: i === 0 ? metrics : undefined,
      batchSize: options.batchSize ?? 200,
      maxWaitMs: 20,
      pipelines: options.pipelines ?? 2,
    });
    for (const consumer of started) env.defer(() => consumer.stop());
    consumers.push(...started);
  }
  const objm = new Objm(nc);
  const bucket = () => objm.open(AUDIT_EXPORTS_BUCKET);
  const worker = new ExportWorker({ sql, bucket, logger: silentLogger, pollMs: 200 });
  await worker.start();
  env.defer(() => worker.stop());
  const app = createApp({
    service: "auditlog",
    logger: silentLogger,
    metrics,
    sql,
    exportsBucket: bucket,
    onExportRequested: () => worker.wake(),
  });
  const count = async () => Number((await sql`select count(*)::int as n from audit_logs`)[0].n);
  return { app, sql, nc, consumers, worker, count };
}
