/**
 * Storing a batch of orders, in the transaction the ingest consumer holds. New and changed
 * orders are written to Postgres and to the KV cache before the commit, so a committed order is
 * always cached (a crash in between redelivers the batch, and the writes are idempotent); an
 * unchanged order is a no-op.
 */
import { createHash } from "node:crypto";
import { errorMessage, type Queryable, UnavailableError } from "@flotilla/backbone";
import type { OrderCache } from "../adapters/order_cache.ts";
import { saveOrders, type StoredOrder } from "../adapters/order_repo.ts";
import { type Order, orderJson } from "../domain/order.ts";

export interface StoreOrdersDeps {
  cache: OrderCache;
}

/** An order as it came off the stream: the stream position orders its versions. */
export interface IncomingOrder {
  order: Order;
  seq: number;
}

export function contentHash(json: string): string {
  return createHash("sha256").update(json).digest("hex");
}

/** Returns how many orders were new or changed (written). */
export async function storeOrders(
  deps: StoreOrdersDeps,
  orders: IncomingOrder[],
  tx: Queryable,
): Promise<number> {
  const batch: StoredOrder[] = orders.map(({ order, seq }) => {
    const json = orderJson(order);
    return { order, seq, json, hash: contentHash(json) };
  });
  const written = await saveOrders(tx, batch);
  if (written.length === 0) return 0;
  try {
    await deps.cache.putMany(written.map((s) => ({ uid: s.order.order_uid, json: s.json })));
  } catch (err) {
    // KV down: hold the batch (rolled back) instead of spending its deliveries.
    throw new UnavailableError(`Cannot cache orders in KV: ${errorMessage(err)}`, { cause: err });
  }
  return written.length;
}
