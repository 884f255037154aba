/** The auditlog service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "auditlog";

const shape = {
  ...baseShape(SERVICE, 8083),
  /** Events per transaction (one multi-row insert). */
  AUDIT_BATCH_SIZE: env.positiveInt(1_000),
  /** How long a partial batch waits for more events. */
  AUDIT_BATCH_WAIT_MS: env.millis(20),
  /** Batches in flight per process (they take turns on the chain head). */
  AUDIT_PIPELINES: env.positiveInt(2),
  /** The export worker's poll when no NOTIFY wakes it. */
  AUDIT_EXPORT_POLL_MS: env.millis(2_000),
  /** A running export with no heartbeat for this long is taken over by another replica. */
  AUDIT_EXPORT_STALE_MS: env.millis(60_000),
};

export type AuditlogConfig = ReturnType<typeof loadAuditlogConfig>;

export function loadAuditlogConfig(source?: Record<string, string | undefined>) {
  return loadConfig(shape, source);
}
