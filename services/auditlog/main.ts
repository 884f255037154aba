/** auditlog: every audit event in one keyed hash chain; queries, verification, exports (port 8083). */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET, auditlogAccess } from "@flotilla/contracts";
import { checkpointStore } from "./adapters/checkpoints.ts";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { loadAuditlogConfig, SERVICE } from "./config.ts";
import { ingestConsumer } from "./consumers.ts";
import { ChainKeys } from "./domain/chain.ts";
import { CheckpointKeys } from "./domain/checkpoint.ts";
import { checkpointWorker, exportWorker } from "./workers.ts";

const config = loadAuditlogConfig();
const chainKeys = ChainKeys.parse(config.AUDIT_CHAIN_KEYS);
const checkpointKeys = await CheckpointKeys.load(
  config.AUDIT_CHECKPOINT_KEY,
  config.AUDIT_CHECKPOINT_OLD_KEYS,
);

await runService({
  name: SERVICE,
  config,
  needs: { nats: { catalog: auditlogCatalog, access: auditlogAccess }, postgres: {} },
  start: async (rt) => {
    // Public: what verifies these checkpoints once the key is rotated out.
    rt.logger.info("checkpoints are signed", { public_key: await checkpointKeys.publicKey() });
    const exportsBucket = () => rt.objects(AUDIT_EXPORTS_BUCKET);
    const checkpoints = checkpointStore(rt.js);
    const exporter = exportWorker({
      ...rt,
      exportsBucket,
      idleMs: rt.config.AUDIT_EXPORT_POLL_MS,
      staleMs: rt.config.AUDIT_EXPORT_STALE_MS,
    });
    const checkpointer = checkpointWorker({
      ...rt,
      chainKeys,
      checkpointKeys,
      checkpoints,
      intervalMs: rt.config.AUDIT_CHECKPOINT_INTERVAL_MS,
    });
    return {
      app: createApp({
        ...rt,
        exportsBucket,
        idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET),
        onExportRequested: () => exporter.wake(),
        chainKeys,
        checkpointKeys,
        checkpoints,
      }),
      consumers: [ingestConsumer({ ...rt, chainKeys })],
      workers: [exporter, checkpointer],
    };
  },
});
