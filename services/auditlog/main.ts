/** Composition root of the auditlog service (port 8083). */
import { bootstrap, IDEMPOTENCY_BUCKET, serve } from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { loadAuditlogConfig, SERVICE } from "./config.ts";
import { ExportWorker } from "./handlers/export_worker.ts";
import { startIngest } from "./handlers/ingest.ts";

const config = loadAuditlogConfig();
const runtime = await bootstrap({
  service: SERVICE,
  catalog: auditlogCatalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});

const exportsBucket = () => runtime.objects(AUDIT_EXPORTS_BUCKET);
const worker = new ExportWorker({
  sql: runtime.sql,
  bucket: exportsBucket,
  logger: runtime.logger.child({ component: "export-worker" }),
  pollMs: config.AUDIT_EXPORT_POLL_MS,
  staleMs: config.AUDIT_EXPORT_STALE_MS,
});
await worker.start();
runtime.lifecycle.defer("export worker", () => worker.stop());

const consumers = startIngest({
  nc: runtime.nats.nc,
  sql: runtime.sql,
  catalog: runtime.catalog,
  logger: runtime.logger,
  metrics: runtime.metrics,
  batchSize: config.AUDIT_BATCH_SIZE,
  maxWaitMs: config.AUDIT_BATCH_WAIT_MS,
  pipelines: config.AUDIT_PIPELINES,
});
runtime.lifecycle.defer("audit consumers", async () => {
  await Promise.all(consumers.map((c) => c.stop()));
});

const app = createApp({
  service: SERVICE,
  logger: runtime.logger,
  metrics: runtime.metrics,
  sql: runtime.sql,
  exportsBucket,
  readiness: runtime.readiness,
  idempotencyKv: await runtime.kv(IDEMPOTENCY_BUCKET),
  onExportRequested: () => worker.wake(),
});
serve(runtime, app, config.PORT);
