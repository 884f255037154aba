import assert from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { silentLogger } from "../log.ts";
import { FakeMsg } from "../testdata/fake_msg.ts";
import { Source, type Subscription } from "./source.ts";

/** A subscription fed by the test; it counts what was pulled from it. */
class FakeSubscription implements Subscription {
  pulled = 0;
  closed = false;
  #items: JsMsg[] = [];
  #wake: (() => void) | undefined;
  constructor(readonly failWith?: Error) {}
  feed(...msgs: JsMsg[]) {
    this.#items.push(...msgs);
    this.#wake?.();
  }
  close() {
    this.closed = true;
    this.#wake?.();
    return Promise.resolve();
  }
  async *[Symbol.asyncIterator]() {
    if (this.failWith) throw this.failWith;
    while (!this.closed) {
      const msg = this.#items.shift();
      if (msg) {
        this.pulled++;
        yield msg;
      } else await new Promise<void>((r) => this.#wake = r);
    }
  }
}

function setup(capacity: number, subscriptions: FakeSubscription[]) {
  const stopping = new AbortController();
  const source = new Source(capacity, silentLogger, stopping.signal);
  let opened = 0;
  const pulling = source.pull({
    consume: ({ max_messages }) => {
      assert.equal(max_messages, capacity, "the server sends no more than the queue holds");
      return Promise.resolve(subscriptions[opened++]);
    },
  });
  const stop = async () => {
    stopping.abort();
    await source.stop();
    await pulling;
  };
  return { source, stop, opened: () => opened };
}

const msgs = (n: number) =>
  Array.from({ length: n }, (_, i) => new FakeMsg({ streamSequence: i + 1 }));
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

Deno.test("the source hands out messages one by one or in batches, pulling no more than it holds", async () => {
  const sub = new FakeSubscription();
  const { source, stop } = setup(2, [sub]);
  const all = msgs(6);
  sub.feed(...all);
  await tick();
  assert.equal(sub.pulled, 3, "two queued, one waiting for room; the rest stay on the server");
  assert.deepEqual(await source.next(1, 0), [all[0]]);
  assert.deepEqual(await source.next(3, 20), all.slice(1, 4));
  await stop();
});

Deno.test("stopping closes the subscription and releases what was pulled but not handed out", async () => {
  const sub = new FakeSubscription();
  const { source, stop } = setup(4, [sub]);
  const all = msgs(3);
  sub.feed(...all);
  assert.deepEqual(await source.next(1, 0), [all[0]]);
  await tick();
  await stop();
  assert.ok(sub.closed);
  assert.deepEqual(all[0].calls, [], "the handed-out message is the worker's to settle");
  assert.deepEqual(all.slice(1).map((m) => m.calls), [["nak"], ["nak"]]);
  assert.equal(await source.next(1, 0), undefined);
});

Deno.test("a broken subscription is opened again", async () => {
  const broken = new FakeSubscription(new Error("connection lost"));
  const fresh = new FakeSubscription();
  const { source, stop, opened } = setup(2, [broken, fresh]);
  const [msg] = msgs(1);
  fresh.feed(msg);
  assert.deepEqual(await source.next(1, 0), [msg]);
  assert.equal(opened(), 2);
  await stop();
});

Deno.test("a stop that comes while the subscription is opening still closes it", async () => {
  const stopping = new AbortController();
  const source = new Source(2, silentLogger, stopping.signal);
  const sub = new FakeSubscription();
  let open = () => {};
  const pulling = source.pull({ consume: () => new Promise((r) => open = () => r(sub)) });
  stopping.abort();
  await source.stop();
  open();
  await pulling;
  assert.ok(sub.closed);
});
