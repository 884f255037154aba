import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { type Order, orderJson } from "../domain/order.ts";
import { contentHash } from "../commands/store_orders.ts";
import { randomOrder, seededRandom } from "../random_orders.ts";
import { listNewest, loadOrders, saveOrders, type StoredOrder } from "./order_repo.ts";

const stored = (order: Order, seq: number): StoredOrder => {
  const json = orderJson(order);
  return { order, seq, json, hash: contentHash(json) };
};

integration(
  "orders round-trip through the tables; the same order is a no-op and an older version never replaces a newer one",
  async () => {
    await using env = await testEnv();
    await env.migrate("orders");
    const sql = env.sql();
    const random = seededRandom(11);
    const a = randomOrder(random);
    const b = randomOrder(random);
    const a2 = randomOrder(random, a.order_uid);
    const a3 = randomOrder(random, a.order_uid);

    const save = (batch: StoredOrder[]) =>
      sql.begin((tx) => saveOrders(tx, batch)).then((w) => w.map((s) => s.seq));
    assert.deepEqual(await save([stored(a, 1), stored(b, 2)]), [1, 2]);
    assert.deepEqual((await loadOrders(sql, [a.order_uid, b.order_uid])).map(orderJson), [
      orderJson(a),
      orderJson(b),
    ]);
    assert.deepEqual(await save([stored(a, 3)]), [], "the same order again is a no-op");
    assert.deepEqual(await save([stored(a2, 10)]), [10]);
    assert.deepEqual(await save([stored(a, 5)]), [], "an older message loses");
    assert.equal(orderJson((await loadOrders(sql, [a.order_uid]))[0]), orderJson(a2));
    assert.deepEqual(await save([stored(a3, 12), stored(a, 11)]), [12], "newest in a batch wins");
    assert.equal(orderJson((await loadOrders(sql, [a.order_uid]))[0]), orderJson(a3));
    const [{ n }] =
      await sql`select count(*)::int as n from items where order_uid = ${a.order_uid}`;
    assert.equal(n, a3.items.length, "every part was replaced");

    const page = await listNewest(sql, 1);
    const newest = [a3, b].sort((x, y) => y.date_created.localeCompare(x.date_created))[0];
    assert.equal(page.orders[0].order_uid, newest.order_uid);
    const rest = await listNewest(sql, 5, page.next!);
    assert.equal(rest.orders.length, 1);
    assert.equal(rest.next, null);
  },
);
