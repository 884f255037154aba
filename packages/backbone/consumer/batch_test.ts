import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import type { Envelope } from "../envelope.ts";
import { PermanentError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { batchHandle, isolate } from "./batch.ts";
import { all, compose, type Decoded } from "./compose.ts";

type Data = { n: number; fail?: boolean };

/** Fails for good any unit that holds a poison message; records the units it saw. */
function poisonAware() {
  const units: number[][] = [];
  const next = (work: Decoded<Data>[]) => {
    units.push(work.map((d) => d.event.data.n));
    return work.some((d) => d.event.data.fail)
      ? Promise.reject(new PermanentError("batch holds a bad one"))
      : Promise.resolve(all(work, "ack"));
  };
  return { next, units };
}

Deno.test("a batch that fails for good is tried message by message: only the poison fails", async () => {
  const { next, units } = poisonAware();
  const work = [fakeDelivery({ n: 1 }), fakeDelivery({ n: 2, fail: true }), fakeDelivery({ n: 3 })];
  const outcomes = await compose(next, isolate(silentLogger))(work);
  assert.deepEqual(units, [[1, 2, 3], [1], [2], [3]]);
  assert.equal(outcomes[0], "ack");
  assert.ok(typeof outcomes[1] === "object" && outcomes[1].failed instanceof PermanentError);
  assert.equal(outcomes[2], "ack");
});

Deno.test("a retryable failure, or a single message, fails the unit as a whole", async () => {
  const flaky = compose<Data>(() => Promise.reject(new Error("flaky")), isolate(silentLogger));
  await assert.rejects(() => flaky([fakeDelivery({ n: 1 }), fakeDelivery({ n: 2 })]), /flaky/);
  const { next, units } = poisonAware();
  await assert.rejects(
    () => compose(next, isolate(silentLogger))([fakeDelivery({ n: 1, fail: true })]),
    PermanentError,
  );
  assert.deepEqual(units, [[1]], "not tried twice");
});

integration("a batch's handler gets each new event once, in one transaction", async () => {
  await using env = await testEnv();
  await env.migrate();
  const sql = env.sql();
  const calls: Envelope<Data>[][] = [];
  const handle = batchHandle<Data>(sql, "test-worker", silentLogger, async (events, ctx) => {
    calls.push(events);
    ctx.working();
    const [row] = await ctx.tx`select count(*)::int as n from inbox`;
    assert.equal(row.n, 2, "the claim is in the handler's transaction");
  });
  const one = fakeDelivery({ n: 1 });
  const two = fakeDelivery({ n: 2 });
  const redelivered = { ...one, msg: fakeDelivery({ n: 1 }).msg };
  const outcomes = await handle([one, two, redelivered]);
  assert.deepEqual(outcomes, ["ack", "ack", "duplicate"]);
  assert.deepEqual(calls, [[one.event, two.event]]);
  for (const d of [one, two, redelivered]) {
    assert.deepEqual(d.msg.calls, ["working"], "working() keeps every message of the unit alive");
  }
});
