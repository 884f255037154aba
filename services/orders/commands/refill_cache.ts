/**
 * Refilling the cache: when the KV bucket is empty (purged, lost, new) while Postgres holds orders, every
 * order goes back into it. `kv.create` only fills missing keys, so a refill racing ingest
 * never puts back an older version.
 */
import { errorMessage, type Logger, type Sql } from "@flotilla/backbone";
import type { OrderCache } from "../adapters/order_cache.ts";
import { allOrders, hasOrders } from "../adapters/order_repo.ts";
import { orderJson } from "../domain/order.ts";

export interface RefillDeps {
  cache: OrderCache;
  sql: Sql;
  logger: Logger;
  /** Creates the bucket again when it was deleted (provisioning is idempotent). */
  recreateBucket: () => Promise<void>;
}

/** Refills the bucket if it is empty or gone; returns how many orders were put back. */
export async function refillIfEmpty(deps: RefillDeps): Promise<number> {
  let size: number;
  try {
    size = await deps.cache.bucketSize();
  } catch (err) {
    if (!/stream not found|bucket not found|not found/i.test(errorMessage(err))) throw err;
    deps.logger.warn("order cache bucket is gone; creating it again", {
      error: errorMessage(err),
    });
    await deps.recreateBucket();
    deps.cache.restartWatch();
    size = 0;
  }
  if (size > 0) return 0;
  if (!(await hasOrders(deps.sql))) return 0;
  const log = deps.logger.child({ component: "order-refill" });
  log.warn("order cache bucket is empty; refilling it from Postgres");
  const started = performance.now();
  let filled = 0;
  for await (const page of allOrders(deps.sql, 1_000)) {
    const created = await Promise.all(
      page.map((order) => deps.cache.fill(order.order_uid, orderJson(order))),
    );
    filled += created.filter(Boolean).length;
  }
  log.info("order cache refilled from Postgres", {
    orders: filled,
    duration_ms: Math.round(performance.now() - started),
  });
  return filled;
}
