/**
 * Reads: an order by id from the mirror, then KV, then Postgres (which also puts it back in
 * KV); the newest orders from Postgres.
 */
import {
  errorMessage,
  type Logger,
  type Metrics,
  type Sql,
  ValidationError,
} from "@flotilla/backbone";
import type { OrderCache } from "../adapters/order_cache.ts";
import { listNewest, loadOrders } from "../adapters/order_repo.ts";
import { type Order, orderJson } from "../domain/order.ts";

export type OrderSource = "mirror" | "kv" | "postgres";

export interface OrderReads {
  /** The order's wire JSON and where it came from; undefined when there is no such order. */
  get(uid: string): Promise<{ json: Uint8Array; source: OrderSource } | undefined>;
  list(limit: number, cursor?: string): Promise<{ orders: Order[]; next_cursor: string | null }>;
}

export interface ReadDeps {
  cache: OrderCache;
  sql: Sql;
  logger: Logger;
  metrics?: Metrics;
}

const encoder = new TextEncoder();

export function encodeCursor(at: { date_created: string; order_uid: string }): string {
  const bytes = encoder.encode(JSON.stringify([at.date_created, at.order_uid]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { date_created: string; order_uid: string } {
  try {
    const b64 = cursor.replaceAll("-", "+").replaceAll("_", "/");
    const text = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const [date_created, order_uid] = JSON.parse(text);
    if (
      typeof date_created === "string" && typeof order_uid === "string" &&
      !Number.isNaN(Date.parse(date_created))
    ) return { date_created, order_uid };
  } catch { /* reported below */ }
  throw ValidationError.of("Invalid request", [{
    path: "cursor",
    message: "must be a next_cursor returned by this endpoint",
  }]);
}

export function orderReads(deps: ReadDeps): OrderReads {
  const { cache, sql } = deps;
  const log = deps.logger.child({ component: "order-reads" });
  const reads = deps.metrics?.counter(
    "orders_reads_total",
    "Order reads by where the answer came from (mirror, kv, postgres, missing)",
    ["source"],
  );
  return {
    async get(uid) {
      const local = cache.local(uid);
      if (local) {
        reads?.labels({ source: "mirror" }).inc();
        return { json: local, source: "mirror" };
      }
      if (!cache.complete) {
        const remote = await cache.remote(uid).catch((err) => {
          log.warn("KV read failed; reading Postgres", { error: errorMessage(err) });
          return undefined;
        });
        if (remote) {
          reads?.labels({ source: "kv" }).inc();
          return { json: remote, source: "kv" };
        }
      }
      const [order] = await loadOrders(sql, [uid]);
      if (!order) {
        reads?.labels({ source: "missing" }).inc();
        return undefined;
      }
      reads?.labels({ source: "postgres" }).inc();
      const json = orderJson(order);
      // Read repair: a purged or lost key comes back; never over a newer version.
      cache.fill(uid, json).catch((err) =>
        log.warn("cannot put order back in KV", { order_uid: uid, error: errorMessage(err) })
      );
      return { json: encoder.encode(json), source: "postgres" };
    },
    async list(limit, cursor) {
      const page = await listNewest(sql, limit, cursor ? decodeCursor(cursor) : undefined);
      return { orders: page.orders, next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  };
}
