import assert from "node:assert/strict";
import { UnavailableError } from "../errors.ts";
import { silentLogger } from "../log.ts";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { compose, type Decoded, type Outcome } from "./compose.ts";
import { hold } from "./hold.ts";

function setup() {
  const held: number[] = [];
  const stopping = new AbortController();
  const step = hold<{ n: number }>({
    logger: silentLogger,
    count: (_outcome, n = 1) => held.push(n),
    keepAliveMs: 20,
    stopping: stopping.signal,
  });
  return { step, held, stopping };
}

/** A unit that fails `times` times with `error`, then succeeds. */
function failing(times: number, error: () => Error) {
  let calls = 0;
  const next = (work: Decoded<{ n: number }>[]) =>
    ++calls <= times ? Promise.reject(error()) : Promise.resolve(work.map((): Outcome => "ack"));
  return { next, calls: () => calls };
}

const unit = () => [fakeDelivery({ n: 1 }), fakeDelivery({ n: 2 })];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a unit whose dependency is down is tried again in place, its messages kept alive", async () => {
  const { step, held } = setup();
  const work = unit();
  const down = failing(3, () => new UnavailableError("db down"));
  assert.deepEqual(await compose(down.next, step)(work), ["ack", "ack"]);
  assert.equal(down.calls(), 4);
  assert.deepEqual(held, [2, 2, 2], "each failure counts the unit's messages as held");
  for (const { msg } of work) {
    assert.ok(msg.calls.includes("working"), "the ack timer was reset while held");
    assert.equal(msg.settled, undefined, "hold settles nothing: no delivery spent");
  }
  const after = work[0].msg.calls.length;
  await sleep(60);
  assert.equal(work[0].msg.calls.length, after, "the keep-alive stops with the hold");
});

Deno.test("any other error goes on at once, and the happy path holds nothing", async () => {
  const { step, held } = setup();
  const flaky = failing(1, () => new Error("flaky"));
  await assert.rejects(() => compose(flaky.next, step)(unit()), /flaky/);
  assert.equal(flaky.calls(), 1);
  const work = unit();
  await compose(failing(0, () => new Error("never")).next, step)(work);
  assert.deepEqual(held, []);
  assert.deepEqual(work[0].msg.calls, []);
});

Deno.test("stopping ends the hold: the dependency's error goes on to be settled", async () => {
  const { step, held, stopping } = setup();
  const work = unit();
  const down = failing(Infinity, () => new UnavailableError("db down"));
  const running = compose(down.next, step)(work);
  await sleep(100);
  stopping.abort();
  await assert.rejects(running, UnavailableError);
  assert.ok(held.length >= 2);
  const after = work[0].msg.calls.length;
  await sleep(60);
  assert.equal(work[0].msg.calls.length, after, "the keep-alive stops with the hold");
});
