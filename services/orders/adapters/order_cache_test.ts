import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { defineCatalog, silentLogger } from "@flotilla/backbone";
import { ORDERS_BUCKET, ordersCatalog } from "@flotilla/contracts";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { OrderCache } from "./order_cache.ts";

const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ uid: `o-${i}`, json: `{"order_uid":"o-${i}"}` }));

integration(
  "batch puts land in KV and in the mirror, which stays within its bound",
  async () => {
    await using env = await testEnv();
    await env.provision(defineCatalog({ kv: ordersCatalog.kv }));
    const nc = await env.connect();
    const kv = await new Kvm(nc).open(ORDERS_BUCKET);
    const cache = new OrderCache({
      kv,
      nc,
      bucket: ORDERS_BUCKET,
      maxEntries: 50,
      logger: silentLogger,
    });
    cache.start();
    env.defer(() => cache.stop());
    await eventually("warm", () => cache.warm);
    assert.ok(cache.complete);

    await cache.putMany(entries(200));
    assert.equal((await kv.status()).values, 200);
    assert.equal((await kv.get("o-7"))?.string(), '{"order_uid":"o-7"}');
    await eventually("mirror caught up", () => cache.local("o-199") !== undefined);
    assert.equal(cache.size, 50, "bounded");
    assert.equal(cache.complete, false, "a miss must now ask KV");
    assert.equal(cache.local("o-0"), undefined, "the oldest left the mirror");
    assert.equal(new TextDecoder().decode(await cache.remote("o-0")), '{"order_uid":"o-0"}');
    assert.equal(await cache.fill("o-1", "{}"), false, "fill never overwrites");
    assert.equal(await cache.fill("new", '{"order_uid":"new"}'), true);
  },
);

integration("batch puts fail when the bucket is gone", async () => {
  await using env = await testEnv();
  await env.provision(defineCatalog({ kv: ordersCatalog.kv }));
  const nc = await env.connect();
  const kv = await new Kvm(nc).open(ORDERS_BUCKET);
  const cache = new OrderCache({
    kv,
    nc,
    bucket: ORDERS_BUCKET,
    maxEntries: 10,
    logger: silentLogger,
    putTimeoutMs: 2_000,
  });
  await (await jetstreamManager(nc)).streams.delete(`KV_${ORDERS_BUCKET}`);
  await assert.rejects(() => cache.putMany(entries(20)), /KV puts failed|not acknowledged/);
});
