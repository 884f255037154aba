import assert from "node:assert/strict";
import { BoundedQueue } from "./queue.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("push waits while the queue is full, until a take makes room", async () => {
  const queue = new BoundedQueue<number>(2);
  await queue.push(1);
  await queue.push(2);
  let pushed = false;
  const third = queue.push(3).then((ok) => pushed = ok);
  await sleep(10);
  assert.equal(pushed, false, "the third waits");
  assert.equal(await queue.take(), 1);
  await third;
  assert.equal(pushed, true);
  assert.equal(queue.length, 2);
});

Deno.test("take waits for an item, or gives up after its timeout", async () => {
  const queue = new BoundedQueue<number>(2);
  const waiting = queue.take();
  await queue.push(7);
  assert.equal(await waiting, 7, "handed straight to the waiting taker");
  assert.equal(await queue.take(10), undefined);
  await queue.push(8);
  assert.equal(await queue.take(), 8, "a timed-out taker took nothing");
});

Deno.test("takeUpTo fills a batch up to its size, or as far as it got by the deadline", async () => {
  const queue = new BoundedQueue<number>(10);
  for (const n of [1, 2, 3]) await queue.push(n);
  assert.deepEqual(await queue.takeUpTo(2, 1_000), [1, 2]);
  const started = Date.now();
  const partial = queue.takeUpTo(5, 50);
  setTimeout(() => queue.push(4), 10);
  assert.deepEqual(await partial, [3, 4]);
  assert.ok(Date.now() - started >= 45, "waited for more until the deadline");
});

Deno.test("close returns what was queued, wakes takers and refuses pushes", async () => {
  const queue = new BoundedQueue<number>(1);
  await queue.push(1);
  const blocked = queue.push(2);
  assert.deepEqual(queue.close(), [1]);
  assert.equal(await blocked, false, "a waiting push is refused");
  assert.equal(await queue.push(3), false);
  assert.equal(await queue.take(), undefined);
  assert.equal(await queue.takeUpTo(5, 1_000), undefined);
});
