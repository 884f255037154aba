/** An order from an external publisher, served through the gateway exactly as it was sent. */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import {
  bearer,
  createTestKey,
  eventually,
  integration,
  spawnService,
  testEnv,
  wbOrderFixture,
} from "@flotilla/testkit";

const fixture = await wbOrderFixture();

integration(
  "a WB order published on orders.new is served through the gateway as it was sent",
  async () => {
    await using env = await testEnv();
    const orders = await spawnService(env, {
      main: "services/orders/main.ts",
      env: { LOG_LEVEL: "warn" },
    });
    const gateway = await spawnService(env, {
      main: "services/gateway/main.ts",
      env: { LOG_LEVEL: "warn", UPSTREAM_ORDERS: orders.url },
    });
    const { key } = await createTestKey(env, { scopes: ["orders:read"] });
    const nc = await env.connect();
    const order = {
      ...fixture,
      order_uid: "e2egateway01",
      payment: { ...fixture.payment, transaction: "e2egateway01" },
    };
    await jetstream(nc).publish("orders.new", JSON.stringify(order));
    const served = await eventually("served through the gateway", async () => {
      const res = await fetch(`${gateway.url}/api/v1/orders/e2egateway01`, {
        headers: bearer(key),
      });
      return res.ok ? await res.json() : (await res.body?.cancel(), undefined);
    }, 30_000);
    assert.deepEqual(served, order);
    const page = await fetch(`${gateway.url}/api/v1/orders?limit=1`, { headers: bearer(key) });
    assert.deepEqual((await page.json()).orders[0], order);
    // One order by its id is public (the customer's id is the capability); the list is not.
    const anonymous = await fetch(`${gateway.url}/api/v1/orders/e2egateway01`);
    assert.deepEqual(await anonymous.json(), order);
    const list = await fetch(`${gateway.url}/api/v1/orders?limit=1`);
    assert.equal(list.status, 401);
    assert.match(list.headers.get("www-authenticate") ?? "", /^Bearer/);
    await list.body?.cancel();
    const unknown = await fetch(`${gateway.url}/api/v1/orders/nosuchorder`, {
      headers: bearer(key),
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("content-type"), "application/problem+json");
    await unknown.body?.cancel();
  },
);
