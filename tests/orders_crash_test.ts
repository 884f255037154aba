import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { ORDERS_BUCKET } from "@flotilla/contracts";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { randomOrder, seededRandom } from "@flotilla/orders/random-orders";
import {
  contentHash,
  deadLetters,
  getOrder,
  orderJson,
  ordersServiceCatalog,
  publishOrders,
  startOrders,
} from "@flotilla/orders/testing";

const COUNT = 5_000;

integration(
  "orders SIGKILLed in the middle of a 5,000-order ingest and restarted: every order present exactly once",
  async () => {
    await using env = await testEnv();
    await env.provision(ordersServiceCatalog);
    const nc = await env.connect();
    const random = seededRandom(3);
    const orders = Array.from({ length: COUNT }, () => randomOrder(random));
    await publishOrders(nc, orders);
    const sql = env.sql();
    // Small batches, so there is a middle to kill it in.
    const service = await startOrders(env, { ORDERS_BATCH_SIZE: "50" });
    const countOrders = async () =>
      (await sql`select count(*)::int as n from orders`.catch(() => [{ n: 0 }]))[0].n as number;
    const atKill = await eventually(
      "some orders stored",
      async () => {
        const n = await countOrders();
        return n >= 500 ? n : undefined;
      },
      30_000,
      10,
    );
    await service.kill("SIGKILL");
    const afterKill = await countOrders();
    assert.ok(afterKill < COUNT, `killed in the middle (${atKill} stored, ${afterKill} after)`);

    await service.restart();
    await eventually("all orders stored", async () => (await countOrders()) === COUNT, 60_000);

    const expected = new Map(orders.map((o) => [o.order_uid, contentHash(orderJson(o))]));
    const rows = await sql<{ order_uid: string; content_hash: string }[]>`
      select order_uid, content_hash from orders`;
    assert.equal(rows.length, COUNT);
    for (const r of rows) assert.equal(r.content_hash, expected.get(r.order_uid), r.order_uid);
    const [parts] = await sql`
      select (select count(*) from deliveries)::int as deliveries,
        (select count(*) from payments)::int as payments,
        (select count(*) from items)::int as items,
        (select count(distinct (order_uid, position)) from items)::int as distinct_items`;
    const itemCount = orders.reduce((n, o) => n + o.items.length, 0);
    assert.deepEqual(parts, {
      deliveries: COUNT,
      payments: COUNT,
      items: itemCount,
      distinct_items: itemCount,
    });

    const kv = await new Kvm(nc).open(ORDERS_BUCKET);
    await eventually("every order cached", async () => (await kv.status()).values === COUNT);
    for (const o of orders.filter((_, i) => i % 250 === 0)) {
      const r = await getOrder(service.url, o.order_uid);
      assert.equal(r.text, orderJson(o));
    }
    assert.equal((await deadLetters(nc)).length, 0, "nothing dead-lettered");
  },
);
