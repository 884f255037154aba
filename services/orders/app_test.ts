import assert from "node:assert/strict";
import { createMetrics, silentLogger } from "@flotilla/backbone";
import { createApp } from "./app.ts";
import type { Order } from "./domain/order.ts";
import { decodeCursor, encodeCursor, type OrderReads } from "./queries/order_reads.ts";
import { withFastReads } from "./routes/fast_read.ts";
import { sampleOrder } from "./testing.ts";

const json = new TextEncoder().encode(JSON.stringify(sampleOrder));
const reads: OrderReads = {
  get: (uid) =>
    Promise.resolve(uid === sampleOrder.order_uid ? { json, source: "kv" as const } : undefined),
  list: () => Promise.resolve({ orders: [sampleOrder as Order], next_cursor: null }),
};
const app = createApp({
  service: "orders",
  logger: silentLogger,
  metrics: createMetrics("orders", { process: false }),
  reads,
});
const info = {} as Deno.ServeHandlerInfo;

Deno.test("an order is served exactly as stored, with where it came from", async () => {
  const res = await app.request(`/api/v1/orders/${sampleOrder.order_uid}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-order-source"), "kv");
  assert.equal(await res.text(), JSON.stringify(sampleOrder));
});

Deno.test("an unknown order is a 404 and a malformed id a 400, both problem+json", async () => {
  const missing = await app.request("/api/v1/orders/nope");
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("content-type"), "application/problem+json");
  const bad = await app.request("/api/v1/orders/a.b");
  assert.equal(bad.status, 400);
  const doc = await bad.json();
  assert.equal(doc.errors[0].path, "order_uid");
  const limit = await app.request("/api/v1/orders?limit=0");
  assert.equal(limit.status, 400);
});

Deno.test("the page shows an order, and says so when there is none", async () => {
  const found = await app.request(`/?order_uid=${sampleOrder.order_uid}`);
  assert.equal(found.status, 200);
  const html = await found.text();
  assert.match(html, /<td>Mascaras<\/td>/);
  assert.match(html, /1817 USD/);
  const missing = await app.request("/?order_uid=nope");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /No order with id &quot;nope&quot;\./);
  const blank = await app.request("/");
  assert.match(
    await blank.text(),
    new RegExp(`Newest: <a href="/\\?order_uid=${sampleOrder.order_uid}`),
  );
});

Deno.test("the fast path answers mirror hits only and leaves the rest to the app", async () => {
  const mirror = new Map([[sampleOrder.order_uid, json]]);
  const fetch = withFastReads(app, (uid) => mirror.get(uid));
  const hit = await fetch(new Request(`http://h:1/api/v1/orders/${sampleOrder.order_uid}`), info);
  assert.equal(hit.headers.get("x-order-source"), "mirror");
  assert.equal(await hit.text(), JSON.stringify(sampleOrder));
  const routed = await fetch(
    new Request(`http://h:1/api/v1/orders/${sampleOrder.order_uid}?via=router`),
    info,
  );
  assert.equal(routed.headers.get("x-order-source"), "kv");
  await routed.body?.cancel();
  assert.equal((await fetch(new Request("http://h:1/api/v1/orders/a%2Fb"), info)).status, 400);
  assert.equal((await fetch(new Request("http://h:1/healthz"), info)).status, 200);
});

Deno.test("cursors round-trip and garbage is refused", () => {
  const at = { date_created: "2021-11-26T06:22:19Z", order_uid: "b563feb7b2b84b6test" };
  assert.deepEqual(decodeCursor(encodeCursor(at)), at);
  assert.throws(() => decodeCursor("garbage"), /cursor: must be a next_cursor/);
});
