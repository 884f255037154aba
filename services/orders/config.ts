/** The orders service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "orders";

export const configShape = {
  ...baseShape(SERVICE, 8087),
  /** Orders each replica mirrors in memory; reads past the bound go to KV. */
  ORDERS_CACHE_ENTRIES: env.positiveInt(200_000),
  /** Messages written per Postgres transaction. */
  ORDERS_BATCH_SIZE: env.positiveInt(1_000),
  /**
   * Batches in flight at once in this replica (pullers of the same durable): one decodes while
   * another waits for Postgres. Versions stay ordered by stream sequence.
   */
  ORDERS_INGEST_WORKERS: env.positiveInt(2),
  /** How long a partial batch waits for more messages. */
  ORDERS_BATCH_WAIT_MS: env.millis(20),
  /** Larger messages are dead-lettered unread (a WB order is a few kilobytes). */
  ORDERS_MAX_MESSAGE_BYTES: env.positiveInt(1024 * 1024),
  /** How often an empty KV bucket is noticed and refilled from Postgres. */
  ORDERS_REFILL_CHECK_MS: env.positiveInt(10_000),
};

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

export function loadOrdersConfig(vars?: Record<string, string | undefined>) {
  return loadConfig(configShape, vars);
}
