import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createEvent, DeadLetterHeaders } from "@flotilla/backbone";
import { ORDER_SUBMITTED, ORDERS_BUCKET } from "@flotilla/contracts";
import { eventually, integration, testEnv, testIdentity } from "@flotilla/testkit";
import { randomOrder, seededRandom } from "@flotilla/orders/random-orders";
import {
  deadLetters,
  getOrder,
  type Order,
  orderJson,
  ordersServiceCatalog,
  publishOrders,
  sampleOrder,
  startOrders,
} from "@flotilla/orders/testing";

const ordersApi = testIdentity.fetch("orders");

integration(
  "a published order lands in Postgres, KV and HTTP identical to what was sent; junk is dead-lettered with reasons and the orders behind it go through",
  async () => {
    await using env = await testEnv();
    await env.provision(ordersServiceCatalog);
    const nc = await env.connect();
    const random = seededRandom(1);
    const enveloped = randomOrder(random);
    const v1 = randomOrder(random);
    const v2: Order = { ...randomOrder(random, v1.order_uid) };
    const garbage = new Uint8Array(5 * 1024 * 1024);
    crypto.getRandomValues(garbage.subarray(0, 65_536));
    const wrongShape = {
      ...sampleOrder,
      order_uid: "bad uid!",
      delivery: { ...sampleOrder.delivery, email: "nope" },
      payment: { ...sampleOrder.payment, currency: "usd", amount: "1817" },
      items: [{ ...sampleOrder.items[0], price: -1 }],
    };
    await publishOrders(nc, [
      sampleOrder,
      new TextEncoder().encode('{"order_uid": "x", '),
      wrongShape,
      garbage,
      new Uint8Array(),
      createEvent({
        type: ORDER_SUBMITTED,
        source: "test",
        subject: enveloped.order_uid,
        data: enveloped,
      }),
      sampleOrder,
      v1,
    ]);
    // Deliberately after the first batch: a changed version replaces the old one.
    const service = await startOrders(env);
    await eventually(
      "v1 served",
      async () => (await getOrder(service.url, v1.order_uid)).status === 200,
    );
    await publishOrders(nc, [v2]);

    const served = await eventually("the sample order served", async () => {
      const r = await getOrder(service.url, sampleOrder.order_uid);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(served.text, JSON.stringify(sampleOrder), "byte for byte the WB model");
    assert.equal(served.type, "application/json");
    assert.deepEqual(JSON.parse(served.text), sampleOrder);
    const viaEnvelope = await getOrder(service.url, enveloped.order_uid);
    assert.equal(viaEnvelope.text, JSON.stringify(enveloped));
    await eventually(
      "v2 replaced v1",
      async () => (await getOrder(service.url, v1.order_uid)).text === JSON.stringify(v2),
    );

    const kv = await new Kvm(nc).open(ORDERS_BUCKET);
    assert.equal((await kv.get(sampleOrder.order_uid))?.string(), JSON.stringify(sampleOrder));
    assert.equal((await kv.get(v1.order_uid))?.string(), JSON.stringify(v2));

    const sql = env.sql();
    const [row] = await sql`
      select o.*, d.city, d.email, p.amount, p.currency, p.goods_total
      from orders o join deliveries d using (order_uid) join payments p using (order_uid)
      where order_uid = ${sampleOrder.order_uid}`;
    assert.equal(row.track_number, "WBILMTESTTRACK");
    assert.equal(row.city, "Kiryat Mozkin");
    assert.equal(Number(row.amount), 1817);
    assert.equal(row.date_created, "2021-11-26T06:22:19Z");
    const counts = await sql`
      select (select count(*) from orders)::int as orders, (select count(*) from deliveries)::int
        as deliveries, (select count(*) from payments)::int as payments,
        (select count(*) from items where order_uid = ${v1.order_uid})::int as v_items,
        (select count(*) from items where order_uid = ${sampleOrder.order_uid})::int as s_items`;
    assert.deepEqual(counts[0], {
      orders: 3,
      deliveries: 3,
      payments: 3,
      v_items: v2.items.length,
      s_items: 1,
    }, "the same order twice is one order; a new version replaced every part");

    const dead = await eventually("four dead letters", async () => {
      const d = await deadLetters(nc);
      return d.length === 4 ? d : undefined;
    });
    // Two ingest workers: dead letters arrive in any order; the original position says which.
    const bySeq = new Map(
      dead.map((m) => [Number(m.header.get(DeadLetterHeaders.sequence)), m]),
    );
    const reason = (seq: number) => bySeq.get(seq)?.header.get(DeadLetterHeaders.reason) ?? "";
    assert.match(reason(2), /not JSON/);
    for (
      const field of [
        "order_uid: must be",
        "delivery.email: must be an email",
        "payment.currency: must be an ISO 4217",
        "payment.amount: ",
        "items.0.price: must not be negative",
      ]
    ) assert.ok(reason(3).includes(field), `"${field}" missing from: ${reason(3)}`);
    assert.match(reason(4), /5242880 bytes, at most 1048576/);
    assert.match(reason(5), /empty message/);
    assert.equal(bySeq.get(4)?.data.length, garbage.length, "the garbage itself is kept");
    assert.ok(dead.every((m) => m.header.get(DeadLetterHeaders.deliveries) === "1"));

    const missing = await ordersApi(`${service.url}/api/v1/orders/nosuchorder`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-type"), "application/problem+json");
    assert.match((await missing.json()).detail, /nosuchorder/);
    const bad = await ordersApi(`${service.url}/api/v1/orders/bad%20id`);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).errors[0].path, "order_uid");

    const page1 = await (await ordersApi(`${service.url}/api/v1/orders?limit=2`)).json();
    assert.equal(page1.orders.length, 2);
    const page2 =
      await (await ordersApi(`${service.url}/api/v1/orders?limit=2&cursor=${page1.next_cursor}`))
        .json();
    assert.equal(page2.orders.length, 1);
    assert.equal(page2.next_cursor, null);
    const listed = [...page1.orders, ...page2.orders].map((o: Order) => o.date_created);
    assert.deepEqual(listed, [...listed].sort().reverse(), "newest first");
    assert.equal(
      (await ordersApi(`${service.url}/api/v1/orders?cursor=garbage`)).status,
      400,
    );
  },
);

integration(
  "after a restart orders are served from the cache; a purged bucket is rebuilt from Postgres",
  async () => {
    await using env = await testEnv();
    await env.provision(ordersServiceCatalog);
    const nc = await env.connect();
    const random = seededRandom(2);
    const orders = Array.from({ length: 30 }, () => randomOrder(random));
    await publishOrders(nc, orders);
    const service = await startOrders(env);
    await eventually("all served", async () => {
      for (const o of orders) {
        if ((await getOrder(service.url, o.order_uid)).status !== 200) return false;
      }
      return true;
    });

    await service.kill("SIGTERM");
    await service.restart();
    await eventually("mirror warm", async () => (await fetch(`${service.url}/readyz`)).ok);
    for (const o of orders) {
      const r = await getOrder(service.url, o.order_uid);
      assert.equal(r.source, "mirror");
      assert.equal(r.text, orderJson(o));
    }

    const jsm = await jetstreamManager(nc);
    await jsm.streams.purge(`KV_${ORDERS_BUCKET}`);
    const kv = await new Kvm(nc).open(ORDERS_BUCKET);
    assert.equal((await kv.status()).values, 0);
    await eventually("bucket refilled", async () => (await kv.status()).values === orders.length);
    for (const o of orders) assert.equal((await kv.get(o.order_uid))?.string(), orderJson(o));

    // A fresh replica with the bucket purged again reads through to Postgres meanwhile.
    await service.kill("SIGKILL");
    await jsm.streams.purge(`KV_${ORDERS_BUCKET}`);
    await service.restart();
    const r = await getOrder(service.url, orders[0].order_uid);
    assert.equal(r.status, 200);
    assert.equal(r.text, orderJson(orders[0]));
    await eventually(
      "bucket refilled again",
      async () => (await kv.status()).values === orders.length,
    );

    // A lost bucket (deleted outright) is created again and refilled.
    await jsm.streams.delete(`KV_${ORDERS_BUCKET}`);
    await eventually(
      "bucket recreated and refilled",
      async () => (await kv.status()).values === orders.length,
    );
    for (const o of orders) assert.equal((await kv.get(o.order_uid))?.string(), orderJson(o));
    const late = randomOrder(random);
    await publishOrders(nc, [late]);
    await eventually(
      "ingest goes on into the new bucket",
      async () => (await kv.get(late.order_uid))?.string() === orderJson(late),
    );
    await eventually(
      "and the mirror follows it",
      async () => (await getOrder(service.url, late.order_uid)).source === "mirror",
    );
  },
);
