import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import type { Envelope } from "../envelope.ts";
import { createLogger, silentLogger } from "../log.ts";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { messageContext, plainHandle, transactionalHandle } from "./message.ts";
import type { MessageContext } from "./types.ts";

type Data = { n: number };

Deno.test("a message's context: its deliveries, trace, keep-alive and a logger naming the event", () => {
  const lines: string[] = [];
  const logger = createLogger({ service: "test", sink: (l) => lines.push(l) });
  const d = fakeDelivery({ n: 1 }, { deliveryCount: 3, headers: { traceparent: "00-abc-def-01" } });
  const ctx = messageContext(d, logger);
  assert.equal(ctx.msg, d.msg);
  assert.equal(ctx.deliveryCount, 3);
  assert.equal(ctx.traceparent, "00-abc-def-01");
  ctx.working();
  assert.deepEqual(d.msg.calls, ["working"]);
  ctx.logger.info("hello");
  const line = JSON.parse(lines[0]);
  assert.equal(line.event_id, d.event.id);
  assert.equal(line.correlation_id, d.event.correlation_id);
  assert.equal(messageContext(fakeDelivery({ n: 2 }), logger).traceparent, undefined);
});

Deno.test("without Postgres, the handler gets the event and a context with no transaction", async () => {
  const seen: [Envelope<Data>, MessageContext][] = [];
  const handle = plainHandle<Data>((event, ctx) => {
    seen.push([event, ctx]);
    return Promise.resolve();
  }, silentLogger);
  const d = fakeDelivery({ n: 1 });
  assert.deepEqual(await handle([d]), ["ack"]);
  assert.equal(seen[0][0], d.event);
  assert.ok(!("tx" in seen[0][1]));
  await assert.rejects(
    () => plainHandle<Data>(() => Promise.reject(new Error("boom")), silentLogger)([d]),
    /boom/,
  );
});

integration(
  "with Postgres, the handler runs in the inbox's transaction, once per event",
  async () => {
    await using env = await testEnv();
    await env.migrate();
    const sql = env.sql();
    let calls = 0;
    const handle = transactionalHandle<Data>(sql, "test-worker", silentLogger, async (e, ctx) => {
      calls++;
      const [row] = await ctx.tx`select event_id from inbox where event_id = ${e.id}`;
      assert.equal(row.event_id, e.id, "claimed in this transaction");
    });
    const d = fakeDelivery({ n: 1 });
    assert.deepEqual(await handle([d]), ["ack"]);
    assert.deepEqual(await handle([d]), ["duplicate"]);
    assert.equal(calls, 1);
  },
);
