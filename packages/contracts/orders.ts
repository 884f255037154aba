/**
 * Streams, consumers, buckets and event types of the orders family.
 *
 * Orders come from systems we do not control: they publish the bare WB order JSON to
 * `orders.new`; our own envelope (type `order.submitted`) is accepted on the same subject.
 */
import { z } from "zod";
import { defineCatalog } from "@flotilla/backbone";

export const ORDERS_STREAM = "ORDERS";
export const ORDERS_NEW_SUBJECT = "orders.new";
export const ORDERS_INGEST_CONSUMER = "orders-ingest";
export const ORDERS_BUCKET = "orders";
export const ORDER_SUBMITTED = "order.submitted";

export const ordersCatalog = defineCatalog({
  streams: [{
    name: ORDERS_STREAM,
    subjects: ["orders.>"],
    description: "WB orders from external publishers (bare JSON) and our own services (envelope)",
    maxAgeMs: 7 * 24 * 3600_000,
    // nats-server accepts up to 8 MB here, so absurd payloads arrive and are dead-lettered.
    maxMsgSize: 8 * 1024 * 1024,
  }],
  consumers: [{
    stream: ORDERS_STREAM,
    durable: ORDERS_INGEST_CONSUMER,
    description: "orders service: validates, stores in Postgres, caches in KV",
    filterSubject: "orders.>",
    // Short: after a crash, what the dead replica held comes back within seconds. Long batches
    // stay alive (the runtime calls working() while it handles them).
    ackWaitMs: 5_000,
    maxDeliveries: 5,
    maxAckPending: 4_000,
    backoff: { baseMs: 500, maxMs: 30_000 },
  }],
  kv: [{
    bucket: ORDERS_BUCKET,
    description: "order cache: order_uid → the order's WB JSON; refilled from Postgres",
    history: 1,
  }],
  events: {
    [ORDER_SUBMITTED]: {
      subject: ORDERS_NEW_SUBJECT,
      // The orders service checks every field and rule (services/orders/domain/order.ts).
      schema: z.looseObject({ order_uid: z.string() }),
      description: "A WB order to track",
    },
  },
});
