import assert from "node:assert/strict";
import { eventually, integration, launchBrowser, spawnService, testEnv } from "@flotilla/testkit";
import {
  getOrder,
  ordersServiceCatalog,
  publishOrders,
  sampleOrder,
  startOrders,
} from "@flotilla/orders/testing";

integration(
  "through the gateway, a person types a published order's id on the page and sees the order; an unknown id gets a clear message",
  async () => {
    await using env = await testEnv();
    await env.provision(ordersServiceCatalog);
    const nc = await env.connect();
    await publishOrders(nc, [sampleOrder]);
    const service = await startOrders(env);
    await eventually(
      "order served",
      async () => (await getOrder(service.url, sampleOrder.order_uid)).status === 200,
    );

    const gateway = await spawnService(env, {
      main: "services/gateway/main.ts",
      env: { LOG_LEVEL: "warn", UPSTREAM_ORDERS: service.url },
    });

    const browser = await launchBrowser();
    env.defer(() => browser.close());
    const page = await browser.newPage();
    // A person with a browser has no key: one order by its id is public.
    await page.goto(`${gateway.url}/orders`);
    await page.fill("#order-uid-input", sampleOrder.order_uid);
    await page.click("#show");
    await page.waitForSelector("#order");

    assert.equal(await page.textContent("#order-uid"), sampleOrder.order_uid);
    const field = (section: string, name: string) =>
      page.textContent(`#${section} [data-field="${name}"]`);
    assert.equal(await field("header", "track_number"), "WBILMTESTTRACK");
    assert.equal(await field("header", "date_created"), "2021-11-26T06:22:19Z");
    assert.equal(await field("delivery", "name"), "Test Testov");
    assert.equal(await field("delivery", "city"), "Kiryat Mozkin");
    assert.equal(await field("payment", "bank"), "alpha");
    assert.equal(await page.locator("#items tbody tr").count(), 1);
    const rows = [await page.locator("#items tbody tr td").allTextContents()];
    assert.deepEqual(rows, [[
      "Mascaras",
      "Vivienne Sabo",
      "0",
      "9934930",
      "2389212",
      "ab4219087a764ae0btest",
      "202",
      "453",
      "30",
      "317",
    ]]);
    assert.equal(await field("totals", "goods_total"), "317 USD");
    assert.equal(await field("totals", "delivery_cost"), "1500 USD");
    assert.equal(await field("totals", "amount"), "1817 USD");

    await page.fill("#order-uid-input", "nosuchorder42");
    await page.click("#show");
    await page.waitForSelector("#message");
    assert.equal(await page.textContent("#message"), 'No order with id "nosuchorder42".');
    assert.equal(await page.$("#order"), null);
  },
);
