import assert from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { PermanentError, UnavailableError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { compose, type Outcome } from "./compose.ts";
import type { Counted } from "./metrics.ts";
import { settle, Settler } from "./settle.ts";

function setup(options: { parkFails?: boolean } = {}) {
  const counted: Partial<Record<Counted, number>> = {};
  const parked: { msg: JsMsg; reason: string }[] = [];
  const stopping = new AbortController();
  const settler = new Settler({
    consumer: "test-worker",
    logger: silentLogger,
    count: (outcome, n = 1) => {
      if (n > 0) counted[outcome] = (counted[outcome] ?? 0) + n;
    },
    maxDeliveries: 4,
    backoff: { baseMs: 200, maxMs: 1_000 },
    park: (msg, reason) => {
      if (options.parkFails) return Promise.reject(new Error("NATS gone"));
      parked.push({ msg, reason });
      return Promise.resolve();
    },
    stopping: stopping.signal,
  });
  return { settler, counted, parked, stopping };
}

const delivery = (n: number, deliveryCount = 1) => fakeDelivery({ n }, { deliveryCount });
const nakDelay = (call: string | undefined) => Number(call?.replace(/^nak /, ""));

Deno.test("handled messages and duplicates are acked and counted apart", async () => {
  const { settler, counted } = setup();
  const work = [delivery(1), delivery(2), delivery(3)];
  const handle = compose(
    () => Promise.resolve<Outcome[]>(["ack", "duplicate", "ack"]),
    settle(settler),
  );
  assert.deepEqual(await handle(work), ["ack", "duplicate", "ack"]);
  assert.deepEqual(work.map((d) => d.msg.settled), ["ack", "ack", "ack"]);
  assert.deepEqual(counted, { ack: 2, duplicate: 1 });
});

Deno.test("a retryable failure is nakked with a delay that grows with the delivery count", async () => {
  const { settler, counted, parked } = setup();
  const first = delivery(1, 1);
  const third = delivery(2, 3);
  const handle = compose(() => Promise.reject(new Error("flaky")), settle(settler));
  await handle([first, third]);
  const [d1, d3] = [nakDelay(first.msg.settled), nakDelay(third.msg.settled)];
  assert.ok(d1 >= 100 && d1 <= 200, `first delivery: ${d1} ms`);
  assert.ok(d3 >= 400 && d3 <= 800, `third delivery: ${d3} ms`);
  assert.deepEqual(counted, { retry: 2 });
  assert.equal(parked.length, 0);
});

Deno.test("a permanent failure and the last allowed delivery are dead-lettered, then termed", async () => {
  const { settler, counted, parked } = setup();
  const bad = delivery(1, 1);
  const last = delivery(2, 4);
  const handle = compose(
    () =>
      Promise.resolve<Outcome[]>([
        { failed: new PermanentError("rule broken") },
        { failed: new Error("flaky") },
      ]),
    settle(settler),
  );
  await handle([bad, last]);
  assert.deepEqual([bad.msg.settled, last.msg.settled], ["term", "term"]);
  assert.deepEqual(parked.map((p) => p.reason), [
    "rule broken",
    "gave up after 4 deliveries: flaky",
  ]);
  assert.deepEqual(counted, { dead_letter: 2 });
});

Deno.test("a dead letter that cannot be published is nakked, never lost", async () => {
  const { settler, counted } = setup({ parkFails: true });
  const bad = delivery(1, 2);
  await compose(() => Promise.reject(new PermanentError("rule broken")), settle(settler))([bad]);
  assert.match(bad.msg.settled ?? "", /^nak \d+$/);
  assert.ok(!bad.msg.calls.includes("term"));
  assert.deepEqual(counted, { retry: 1 });
});

Deno.test("a message still held when the consumer stops is released at once, not failed", async () => {
  const { settler, counted, parked, stopping } = setup();
  const held = delivery(1, 4);
  stopping.abort();
  await compose(() => Promise.reject(new UnavailableError("db down")), settle(settler))([held]);
  assert.deepEqual(held.msg.calls, ["nak"], "no delay, no dead letter on its last delivery");
  assert.deepEqual(counted, {});
  assert.equal(parked.length, 0);
});
