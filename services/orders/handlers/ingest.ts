/**
 * Ingest: a batch of orders in one transaction. New and changed orders are written to
 * Postgres and to the KV cache before the commit, so a committed order is always cached (a
 * crash in between redelivers the batch, and the writes are idempotent); an unchanged order
 * is a no-op. The runtime acks after the commit.
 */
import { createHash } from "node:crypto";
import type { JsMsg } from "@nats-io/jetstream";
import {
  type BatchHandler,
  type Decoder,
  errorMessage,
  type Metrics,
  UnavailableError,
} from "@flotilla/backbone";
import { ORDER_SUBMITTED } from "@flotilla/contracts";
import type { OrderCache } from "../adapters/order_cache.ts";
import { saveOrders, type StoredOrder } from "../adapters/order_repo.ts";
import { parseOrderMessage } from "../domain/message.ts";
import { type Order, orderJson } from "../domain/order.ts";

/** An order as it came off the stream: the stream position orders its versions. */
export interface IncomingOrder {
  order: Order;
  seq: number;
}

/** Bare WB orders and our envelope alike; a bare message's id is its stream position. */
export function orderDecoder(maxBytes: number): Decoder<IncomingOrder> {
  return (msg: JsMsg) => {
    const { order, envelope } = parseOrderMessage(msg.data, maxBytes);
    const id = envelope?.id ?? `${msg.info.stream}:${msg.info.streamSequence}`;
    return {
      id,
      type: ORDER_SUBMITTED,
      source: envelope?.source ?? "external",
      time: envelope?.time ?? new Date(msg.info.timestampNanos / 1e6).toISOString(),
      subject: order.order_uid,
      correlation_id: envelope?.correlation_id ?? id,
      causation_id: null,
      data: { order, seq: msg.info.streamSequence },
    };
  };
}

export function contentHash(json: string): string {
  return createHash("sha256").update(json).digest("hex");
}

export interface IngestDeps {
  cache: OrderCache;
  metrics?: Metrics;
}

export function ingestOrders(deps: IngestDeps): BatchHandler<IncomingOrder> {
  const ingested = deps.metrics?.counter(
    "orders_ingested_total",
    "Orders by what ingest did with them (written: new or changed; unchanged: a no-op)",
    ["result"],
  );
  return async function ingestOrders(events, ctx) {
    const batch: StoredOrder[] = events.map((e) => {
      const json = orderJson(e.data.order);
      return { order: e.data.order, seq: e.data.seq, json, hash: contentHash(json) };
    });
    const written = await saveOrders(ctx.tx, batch);
    ingested?.labels({ result: "written" }).inc(written.length);
    ingested?.labels({ result: "unchanged" }).inc(events.length - written.length);
    if (written.length === 0) return;
    try {
      await deps.cache.putMany(written.map((s) => ({ uid: s.order.order_uid, json: s.json })));
    } catch (err) {
      // KV down: hold the batch (rolled back) instead of spending its deliveries.
      throw new UnavailableError(`Cannot cache orders in KV: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  };
}
