/** auditlog: every audit event in one hash chain; queries, verification, exports (port 8083). */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { loadAuditlogConfig, SERVICE } from "./config.ts";
import { ingestConsumer } from "./consumers.ts";
import { exportWorker } from "./workers.ts";

await runService({
  name: SERVICE,
  config: loadAuditlogConfig(),
  needs: { nats: { catalog: auditlogCatalog }, postgres: {} },
  start: async (rt) => {
    const exportsBucket = () => rt.objects(AUDIT_EXPORTS_BUCKET);
    const exporter = exportWorker({
      ...rt,
      exportsBucket,
      idleMs: rt.config.AUDIT_EXPORT_POLL_MS,
      staleMs: rt.config.AUDIT_EXPORT_STALE_MS,
    });
    return {
      app: createApp({
        ...rt,
        exportsBucket,
        idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET),
        onExportRequested: () => exporter.wake(),
      }),
      consumers: [ingestConsumer(rt)],
      workers: [exporter],
    };
  },
});
