/** The auditlog service's configuration, read once from the environment. */
import { z } from "zod";
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
  /**
   * The chain's HMAC keys, `id:base64[,id:base64…]`, the current one first (usually
   * AUDIT_CHAIN_KEYS_FILE). Never in the database. Required: there is no default.
   */
  AUDIT_CHAIN_KEYS: env.secret(),
  /** The checkpoint signing key, `id:base64(PKCS#8 Ed25519)` (usually AUDIT_CHECKPOINT_KEY_FILE). */
  AUDIT_CHECKPOINT_KEY: env.secret(),
  /** Public keys of signing keys rotated out, `id:base64(raw)[,…]`: old checkpoints verify. */
  AUDIT_CHECKPOINT_OLD_KEYS: z.string().optional(),
  /** How often the chain head is checkpointed (when it moved). */
  AUDIT_CHECKPOINT_INTERVAL_MS: env.positiveInt(60_000),
};

export type AuditlogConfig = ReturnType<typeof loadAuditlogConfig>;

export function loadAuditlogConfig(source?: Record<string, string | undefined>) {
  return loadConfig(shape, source);
}
