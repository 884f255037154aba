/**
 * Test support for the orders service: start it, publish to it, read its dead letters, and
 * the pieces of its model tests compare against.
 */
import { jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { deadLetterCatalog, DLQ_STREAM, mergeCatalogs } from "@flotilla/backbone";
import { ORDERS_NEW_SUBJECT, ordersCatalog } from "@flotilla/contracts";
import {
  type ServiceProcess,
  spawnService,
  type TestEnv,
  testIdentity,
  wbOrderFixture,
} from "@flotilla/testkit";

export { contentHash } from "./commands/store_orders.ts";
export { type Order, orderJson } from "./domain/order.ts";

export const ordersServiceCatalog = mergeCatalogs(deadLetterCatalog, ordersCatalog);

export const sampleOrder = await wbOrderFixture();

export function startOrders(
  env: TestEnv,
  vars: Record<string, string> = {},
): Promise<ServiceProcess> {
  return spawnService(env, {
    main: "services/orders/main.ts",
    env: { LOG_LEVEL: "warn", ORDERS_REFILL_CHECK_MS: "300", ...vars },
  });
}

const encoder = new TextEncoder();

/** Publishes in order, many in flight at once; objects are sent as JSON. */
export async function publishOrders(
  nc: NatsConnection,
  messages: (unknown | Uint8Array)[],
  window = 500,
): Promise<void> {
  const js = jetstream(nc);
  for (let i = 0; i < messages.length; i += window) {
    await Promise.all(
      messages.slice(i, i + window).map((m) =>
        js.publish(
          ORDERS_NEW_SUBJECT,
          m instanceof Uint8Array ? m : encoder.encode(JSON.stringify(m)),
        )
      ),
    );
  }
}

export async function deadLetters(nc: NatsConnection): Promise<StoredMsg[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DLQ_STREAM);
  const out: StoredMsg[] = [];
  if (info.state.messages === 0) return out;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
    if (m) out.push(m);
  }
  return out;
}

export async function getOrder(
  url: string,
  uid: string,
): Promise<{ status: number; text: string; source: string | null; type: string | null }> {
  const res = await testIdentity.fetch("orders")(`${url}/api/v1/orders/${encodeURIComponent(uid)}`);
  return {
    status: res.status,
    text: await res.text(),
    source: res.headers.get("x-order-source"),
    type: res.headers.get("content-type"),
  };
}
