/**
 * Test support for the auditlog (its tests, the fault tests under tests/, the benchmark):
 * audit events to publish (each on its source's subject), a publisher that retries like the
 * outbox relay, a tally of stored rows, and the service's parts wired in-process on a test
 * env, running as the auditlog (its NATS identity, its database's runtime role, its keys).
 */
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport";
import {
  type AuditData,
  auditEvent,
  auditSubject,
  connectPostgres,
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
import { checkpointStore } from "./adapters/checkpoints.ts";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { writeCheckpoint } from "./commands/write_checkpoint.ts";
import { SERVICE } from "./config.ts";
import { ingestConsumer, type IngestDeps } from "./consumers.ts";
import { ChainKeys } from "./domain/chain.ts";
import { type Checkpoint, CheckpointKeys } from "./domain/checkpoint.ts";
import { exportWorker } from "./workers.ts";

export { createApp } from "./app.ts";
export { auditlogCatalog } from "./catalog.ts";
export { searchLogs } from "./adapters/audit_repo.ts";
export { checkpointStore } from "./adapters/checkpoints.ts";
export { decodeCursor } from "./domain/query.ts";
export { chainHash, ChainKeys } from "./domain/chain.ts";
export type { AuditRecord } from "./domain/record.ts";

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
          : js.publish(auditSubject(e.source), encoder.encode(JSON.stringify(e)), {
            msgID: e.id,
          })
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
        await js.publish(auditSubject(e.source), encoder.encode(JSON.stringify(e)), {
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
  parts: { nc: NatsConnection; sql: Sql; logger: Logger; metrics?: Metrics; chainKeys: ChainKeys },
  config: IngestDeps["config"],
): RunningConsumer[] {
  const { chainKeys, ...rest } = parts;
  const { copies = 1, transactional: _, ...declaration } = ingestConsumer({
    catalog: auditlogCatalog,
    metrics: parts.metrics,
    chainKeys,
    config,
  });
  return Array.from(
    { length: copies },
    () => startConsumer<AuditData>({ ...declaration, ...rest, catalog: auditlogCatalog }),
  );
}

/** Fresh keys, as the secret files hold them (`id:base64`). */
export async function newKeys() {
  const bytes = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
  return {
    chainKeys: ChainKeys.parse(`k-test:${bytes(crypto.getRandomValues(new Uint8Array(32)))}`),
    checkpointKeys: await CheckpointKeys.load(`c-test:${bytes(pkcs8)}`),
  };
}

/** The auditlog's keys, from the secret files its environment names. */
export async function loadKeys(vars: Record<string, string>) {
  const read = async (name: string) => (await Deno.readTextFile(vars[`${name}_FILE`])).trim();
  return {
    chainKeys: ChainKeys.parse(await read("AUDIT_CHAIN_KEYS")),
    checkpointKeys: await CheckpointKeys.load(await read("AUDIT_CHECKPOINT_KEY")),
  };
}

export interface InProcessAuditlog {
  /** The app, each request with a token that has every scope. */
  app: { request(path: string, init?: RequestInit): Promise<Response> };
  /** The test's view of the database: the superuser (the service runs as its own role). */
  sql: Sql;
  /** The service's own connection to its database (its runtime role). */
  runtimeSql: Sql;
  /** The test's NATS connection (the admin), to publish what services would. */
  nc: NatsConnection;
  chainKeys: ChainKeys;
  count(): Promise<number>;
  /** Signs a checkpoint of the chain head now, as the checkpoint worker does. */
  checkpoint(): Promise<Checkpoint | undefined>;
}

/** Provisions the env, then starts `replicas` ingests, the app and its worker, as the auditlog. */
export async function startInProcess(
  env: TestEnv,
  options: { replicas?: number; batchSize?: number; pipelines?: number } = {},
): Promise<InProcessAuditlog> {
  await env.provision(auditlogCatalog);
  const vars = await env.serviceEnv(SERVICE);
  const { chainKeys, checkpointKeys } = await loadKeys(vars);
  const password = (await Deno.readTextFile(vars.DATABASE_PASSWORD_FILE)).trim();
  const runtimePool = () => {
    const pool = connectPostgres({ url: vars.DATABASE_URL, password, name: SERVICE, max: 10 });
    env.defer(() => pool.end({ timeout: 1 }));
    return pool;
  };
  const runtimeSql = runtimePool();
  const serviceNc = await env.connectAs(SERVICE);
  const metrics = createMetrics(SERVICE, { process: false });
  const logger = Deno.env.get("AUDIT_TEST_LOG") ? createLogger({ service: SERVICE }) : silentLogger;
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    const consumers = startIngest({
      nc: i === 0 ? serviceNc : await env.connectAs(SERVICE),
      sql: i === 0 ? runtimeSql : runtimePool(),
      logger,
      metrics: i === 0 ? metrics : undefined,
      chainKeys,
    }, {
      AUDIT_BATCH_SIZE: options.batchSize ?? 200,
      AUDIT_BATCH_WAIT_MS: 20,
      AUDIT_PIPELINES: options.pipelines ?? 2,
    });
    for (const consumer of consumers) env.defer(() => consumer.stop());
  }
  const objm = new Objm(serviceNc);
  const exportsBucket = () => objm.open(AUDIT_EXPORTS_BUCKET);
  const worker = exportWorker({
    sql: runtimeSql,
    exportsBucket,
    logger: silentLogger,
    idleMs: 200,
    staleMs: 60_000,
  });
  await worker.start();
  env.defer(() => worker.stop());
  const checkpoints = checkpointStore(jetstream(serviceNc));
  const service = createApp({
    identity: await testIdentity.verifier(SERVICE),
    service: SERVICE,
    catalog: auditlogCatalog,
    logger: silentLogger,
    metrics,
    sql: runtimeSql,
    exportsBucket,
    onExportRequested: () => worker.wake(),
    chainKeys,
    checkpointKeys,
    checkpoints,
  });
  const sql = env.sql();
  const count = async () => Number((await sql`select count(*)::int as n from audit_logs`)[0].n);
  const checkpoint = () =>
    writeCheckpoint({ sql: runtimeSql, chainKeys, checkpointKeys, checkpoints, logger });
  return {
    app: { request: testIdentity.request(service, SERVICE) },
    sql,
    runtimeSql,
    nc: await env.connect(),
    chainKeys,
    count,
    checkpoint,
  };
}
