/**
 * The ingest consumer: bare WB orders (and our envelope) from `orders.new`, decoded and
 * validated (a bad one is dead-lettered with every failing field), stored a batch per
 * transaction with the inbox.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { ConsumerDeclaration, Decoder, Metrics } from "@flotilla/backbone";
import { ORDER_SUBMITTED, ORDERS_INGEST_CONSUMER, ORDERS_STREAM } from "@flotilla/contracts";
import { type IncomingOrder, storeOrders, type StoreOrdersDeps } from "./commands/store_orders.ts";
import type { OrdersConfig } from "./config.ts";
import { parseOrderMessage } from "./domain/message.ts";

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

export function ingestConsumer(
  deps: StoreOrdersDeps & { metrics?: Metrics },
  config: OrdersConfig,
): ConsumerDeclaration<IncomingOrder> {
  const ingested = deps.metrics?.counter(
    "orders_ingested_total",
    "Orders by what ingest did with them (written: new or changed; unchanged: a no-op)",
    ["result"],
  );
  return {
    stream: ORDERS_STREAM,
    durable: ORDERS_INGEST_CONSUMER,
    transactional: true,
    // Batches in flight at once: one decodes while another waits for Postgres.
    copies: config.ORDERS_INGEST_WORKERS,
    decode: orderDecoder(config.ORDERS_MAX_MESSAGE_BYTES),
    batch: {
      size: config.ORDERS_BATCH_SIZE,
      maxWaitMs: config.ORDERS_BATCH_WAIT_MS,
      handler: async function ingestOrders(events, ctx) {
        const written = await storeOrders(deps, events.map((e) => e.data), ctx.tx);
        ingested?.labels({ result: "written" }).inc(written);
        ingested?.labels({ result: "unchanged" }).inc(events.length - written);
      },
    },
  };
}
