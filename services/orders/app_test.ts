import assert from "node:assert/strict";
import { createMetrics, silentLogger } from "@flotilla/backbone";
import { testIdentity } from "@flotilla/testkit";
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
const identity = await testIdentity.verifier("orders");
const service = createApp({
  identity,
  service: "orders",
  logger: silentLogger,
  metrics: createMetrics("orders", { process: false }),
  reads,
});
const app = { request: testIdentity.request(service, "orders") };
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
  const found = await app.request(`/orders?order_uid=${sampleOrder.order_uid}`);
  assert.equal(found.status, 200);
  const html = await found.text();
  assert.match(html, /<td>Mascaras<\/td>/);
  assert.match(html, /1817 USD/);
  const missing = await app.request("/orders?order_uid=nope");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /No order with id &quot;nope&quot;\./);
  const blank = await app.request("/orders");
  assert.match(
    await blank.text(),
    new RegExp(`Newest: <a href="/orders\\?order_uid=${sampleOrder.order_uid}`),
  );
});

Deno.test("the page lists the newest orders only to a caller with orders:read", async () => {
  const anonymous = testIdentity.request(service, "orders", {
    type: "anonymous",
    id: "anonymous",
    scopes: [],
  });
  const page = await (await anonymous("/orders")).text();
  assert.doesNotMatch(page, /Newest:/);
  const one = await anonymous(`/orders?order_uid=${sampleOrder.order_uid}`);
  assert.equal(one.status, 200, "one order by its id is public");
  await one.body?.cancel();
  assert.equal((await anonymous("/api/v1/orders")).status, 401);
});

Deno.test("the fast path answers mirror hits only and leaves the rest to the app", async () => {
  const mirror = new Map([[sampleOrder.order_uid, json]]);
  const fast = withFastReads(service, (uid) => mirror.get(uid), identity);
  const headers = await testIdentity.headers("orders");
  const fetch = (req: Request, info: Deno.ServeHandlerInfo) => {
    for (const [k, v] of Object.entries(headers)) req.headers.set(k, v);
    return fast(req, info);
  };
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
  const unsigned = await fast(
    new Request(`http://h:1/api/v1/orders/${sampleOrder.order_uid}`),
    info,
  );
  assert.equal(unsigned.status, 401, "no token, no order: not even from the mirror");
});

Deno.test("cursors round-trip and garbage is refused", () => {
  const at = { date_created: "2021-11-26T06:22:19Z", order_uid: "b563feb7b2b84b6test" };
  assert.deepEqual(decodeCursor(encodeCursor(at)), at);
  assert.throws(() => decodeCursor("garbage"), /cursor: must be a next_cursor/);
});
