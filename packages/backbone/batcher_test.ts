import assert from "node:assert/strict";
import { Batcher } from "./batcher.ts";

Deno.test("concurrent submits share batches and each gets its own result", async () => {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>(async (items) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((n) => n * 10);
  }, { maxBatch: 50, concurrency: 1 });
  const results = await Promise.all(Array.from({ length: 120 }, (_, i) => batcher.submit(i)));
  assert.deepEqual(results, Array.from({ length: 120 }, (_, i) => i * 10));
  assert.ok(batches.length <= 4, `few batches: ${batches.map((b) => b.length)}`);
  assert.ok(batches.every((b) => b.length <= 50));
});

Deno.test("a failing item fails alone; the rest of its batch succeeds", async () => {
  const batcher = new Batcher<number, number>((items) => {
    if (items.includes(3)) return Promise.reject(new Error("bad item 3"));
    return Promise.resolve(items);
  });
  const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
});

Deno.test("with admission, only as many items as there is room for are written", async () => {
  let room = 2;
  const written: number[][] = [];
  const batcher = new Batcher<number, number>((items) => {
    written.push(items);
    room -= items.length;
    return Promise.resolve(items);
  }, {
    maxBatch: 50,
    concurrency: 1,
    admission: { room: () => Promise.resolve(room), maxWaitMs: 60_000, pollMs: 1 },
  });
  const all = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(written, [[1, 2]], "two admitted, three wait");
  assert.equal(batcher.waiting, 3);
  room = 3; // downstream finished three
  assert.deepEqual(await all, [1, 2, 3, 4, 5]);
  assert.deepEqual(written, [[1, 2], [3, 4, 5]]);
});

Deno.test("with admission, an item that waited maxWaitMs is written without room", async () => {
  const batcher = new Batcher<number, number>((items) => Promise.resolve(items), {
    admission: { room: () => Promise.resolve(0), maxWaitMs: 50, pollMs: 5 },
  });
  const started = performance.now();
  assert.equal(await batcher.submit(7), 7);
  assert.ok(performance.now() - started >= 45);
});

Deno.test("with admission, a failing room check lets the write decide", async () => {
  const batcher = new Batcher<number, number>((items) => Promise.resolve(items), {
    admission: {
      room: () => Promise.reject(new Error("database down")),
      maxWaitMs: 60_000,
      pollMs: 5,
    },
  });
  assert.equal(await batcher.submit(1), 1);
});

/**
 * Two drains, a downstream that keeps every written item, and a room() that answers from a
 * snapshot taken when asked (as a database count does). Returns the most items downstream ever
 * held; `submitAll` decides how the 10 items arrive.
 */
async function peakWithRacingCount(
  limit: number,
  submitAll: (submit: (n: number) => void) => Promise<void>,
): Promise<{ peak: number; waitingAfter: number }> {
  let pending = 0;
  let peak = 0;
  const batcher = new Batcher<number, number>(async (items) => {
    await new Promise((r) => setTimeout(r, 5));
    pending += items.length;
    peak = Math.max(peak, pending);
    return items;
  }, {
    maxBatch: 50,
    concurrency: 2,
    admission: {
      room: async () => {
        const snapshot = limit - pending;
        await new Promise((r) => setTimeout(r, 3));
        return snapshot;
      },
      maxWaitMs: 60_000,
      pollMs: 1,
    },
  });
  await submitAll((n) => void batcher.submit(n));
  await new Promise((r) => setTimeout(r, 150));
  const waitingAfter = batcher.waiting;
  pending = -100; // let the rest through so the test leaves no timers behind
  while (batcher.waiting > 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  return { peak, waitingAfter };
}

Deno.test("with admission, two drains and a count that races a write never exceed the room", async () => {
  const { peak, waitingAfter } = await peakWithRacingCount(4, async (submit) => {
    for (let i = 0; i < 10; i++) {
      submit(i);
      await new Promise((r) => setTimeout(r, 1));
    }
  });
  assert.equal(peak, 4, `at most 4 admitted, saw ${peak}`);
  assert.equal(waitingAfter, 6);
});

Deno.test("with admission, two drains asking at the same moment share the room, not double it", async () => {
  const { peak, waitingAfter } = await peakWithRacingCount(4, (submit) => {
    for (let i = 0; i < 10; i++) submit(i); // both drains start in this tick
    return Promise.resolve();
  });
  assert.equal(peak, 4, `at most 4 admitted, saw ${peak}`);
  assert.equal(waitingAfter, 6);
});

Deno.test("with admission, a room question that never answers does not hold items past maxWaitMs", async () => {
  const batcher = new Batcher<number, number>((items) => Promise.resolve(items), {
    admission: { room: () => new Promise<number>(() => {}), maxWaitMs: 40, pollMs: 5 },
  });
  const started = performance.now();
  assert.deepEqual(await Promise.all([batcher.submit(1), batcher.submit(2)]), [1, 2]);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("with admission, an answer that is not a number lets the write decide, once", async () => {
  const written: number[][] = [];
  const batcher = new Batcher<number, number>((items) => {
    written.push(items);
    return Promise.resolve(items);
  }, { admission: { room: () => Promise.resolve(NaN), maxWaitMs: 60_000, pollMs: 5 } });
  assert.equal(await batcher.submit(1), 1);
  assert.deepEqual(written, [[1]], "no empty writes");
});

Deno.test("with admission, a room check that throws at once is asked again next time", async () => {
  let calls = 0;
  let room = 1;
  const batcher = new Batcher<number, number>((items) => {
    room -= items.length;
    return Promise.resolve(items);
  }, {
    concurrency: 1,
    admission: {
      room: () => {
        if (++calls === 1) throw new Error("thrown before any promise");
        return Promise.resolve(room);
      },
      maxWaitMs: 60_000,
      pollMs: 1,
    },
  });
  assert.equal(await batcher.submit(1), 1); // the throw: the write decided
  let second = false;
  batcher.submit(2).then(() => second = true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(second, false, "no room now: the check is asked again, not skipped");
  assert.ok(calls > 2);
  room = 1;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(second, true);
});

Deno.test("a batch size or concurrency below 1 is refused when the batcher is built", () => {
  assert.throws(
    () => new Batcher<number, number>((i) => Promise.resolve(i), { maxBatch: 0 }),
    RangeError,
  );
  assert.throws(
    () => new Batcher<number, number>((i) => Promise.resolve(i), { concurrency: 0 }),
    RangeError,
  );
});
