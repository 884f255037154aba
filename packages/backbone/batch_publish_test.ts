import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { integration, testCatalog, testEnv } from "@flotilla/testkit";
import { publishAll, PublishError } from "./batch_publish.ts";

const enc = new TextEncoder();
const msg = (i: number) => ({
  subject: "test.happened",
  payload: enc.encode(JSON.stringify({ i })),
  msgId: `m-${i}`,
  headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
});

integration("publishAll stores every message in order, once, with its headers", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  const nc = await env.connect();
  const batch = Array.from({ length: 1_000 }, (_, i) => msg(i));
  await publishAll(nc, batch);
  await publishAll(nc, batch.slice(0, 10)); // a retried pass: de-duplicated by Nats-Msg-Id
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info("TEST");
  assert.equal(info.state.messages, 1_000);
  for (const seq of [1, 500, 1_000]) {
    const m = await jsm.streams.getMessage("TEST", { seq });
    assert.equal(m!.json<{ i: number }>().i, seq - 1);
    assert.equal(m!.header.get("Nats-Msg-Id"), `m-${seq - 1}`);
    assert.match(m!.header.get("traceparent"), /^00-/);
  }
});

integration("publishAll fails when a subject has no stream, and when NATS is down", async () => {
  await using env = await testEnv();
  await env.provision(testCatalog);
  const nc = await env.connect();
  await assert.rejects(
    () => publishAll(nc, [msg(1), { ...msg(2), subject: "nowhere.at.all" }], 2_000),
    PublishError,
  );
  await env.nats.stop();
  await assert.rejects(() => publishAll(nc, [msg(3)], 500), /acknowledged 0 of 1/);
});
