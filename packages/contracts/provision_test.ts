import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { integration, testCatalog, testEnv } from "@flotilla/testkit";
import { defineCatalog, mergeCatalogs, provision } from "@flotilla/backbone";
import { fleetCatalog } from "./fleet.ts";

integration(
  "provisioning twice is a no-op, and a changed limit updates the stream in place",
  async () => {
    await using env = await testEnv();
    const nc = await env.connect();
    const first = await provision(nc, testCatalog);
    assert.ok(first.created.includes("stream TEST"));
    assert.ok(first.created.includes("consumer TEST/test-worker"));
    assert.ok(first.created.includes("kv idempotency"));
    const jsm = await jetstreamManager(nc);
    const before = await jsm.streams.info("TEST");

    const second = await provision(nc, testCatalog);
    assert.deepEqual(second.created, []);
    assert.deepEqual(second.updated, []);
    const after = await jsm.streams.info("TEST");
    assert.equal(after.created, before.created, "the stream was not recreated");
    assert.deepEqual(after.config, before.config);

    const changed = mergeCatalogs(
      defineCatalog({ ...testCatalog, streams: [], consumers: [], kv: [], objects: [] }),
      defineCatalog({
        streams: testCatalog.streams.map((s) =>
          s.name === "TEST" ? { ...s, maxAgeMs: 3_600_000 } : s
        ),
        consumers: testCatalog.consumers.map((c) => ({ ...c, ackWaitMs: 9_000 })),
        kv: testCatalog.kv,
      }),
    );
    const third = await provision(nc, changed);
    assert.deepEqual(third.created, []);
    assert.ok(
      third.updated.some((u) => u.startsWith("stream TEST (max_age")),
      third.updated.join(),
    );
    assert.ok(third.updated.some((u) => u.startsWith("consumer TEST/test-worker")));
    const updated = await jsm.streams.info("TEST");
    assert.equal(updated.config.max_age, 3_600_000 * 1_000_000);
    assert.equal(updated.created, before.created);
    const consumer = await jsm.consumers.info("TEST", "test-worker");
    assert.equal(consumer.config.ack_wait, 9_000 * 1_000_000);
    assert.equal(consumer.config.max_deliver, -1, "the runtime, not the server, gives up");
  },
);

integration("the fleet catalog provisions on nats-server 2.9 and again as a no-op", async () => {
  await using env = await testEnv();
  const nc = await env.connect();
  await provision(nc, fleetCatalog);
  const again = await provision(nc, fleetCatalog);
  assert.deepEqual(again.created, []);
  assert.deepEqual(again.updated, []);
});
