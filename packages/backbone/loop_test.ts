import assert from "node:assert/strict";
import { Loop } from "./loop.ts";
import { silentLogger } from "./log.ts";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("a woken loop runs its next pass at once instead of sleeping", async () => {
  let passes = 0;
  const loop = new Loop({
    name: "test",
    logger: silentLogger,
    idleMs: 60_000,
    pass: () => Promise.resolve(passes++ < 0),
  });
  loop.start();
  await tick(20);
  assert.equal(passes, 1);
  loop.wake();
  await tick(20);
  assert.equal(passes, 2);
  await loop.stop();
});

Deno.test("a pass that says there is more runs again without sleeping", async () => {
  let passes = 0;
  const loop = new Loop({
    name: "test",
    logger: silentLogger,
    idleMs: 60_000,
    pass: () => Promise.resolve(++passes < 5),
  });
  loop.start();
  await tick(30);
  assert.equal(passes, 5);
  await loop.stop();
});

Deno.test("a failed pass is retried after a short delay, not after the idle sleep", async () => {
  let passes = 0;
  const errors: unknown[] = [];
  const loop = new Loop({
    name: "test",
    logger: silentLogger,
    idleMs: 60_000,
    retry: { baseMs: 10, maxMs: 10 },
    onError: (err) => errors.push(err),
    pass: () => {
      passes++;
      return passes < 3 ? Promise.reject(new Error("db down")) : Promise.resolve(false);
    },
  });
  loop.start();
  await tick(100);
  assert.equal(passes, 3);
  assert.equal(errors.length, 2);
  await loop.stop();
});

Deno.test("a wake during a failure's delay does not cut the delay short", async () => {
  let passes = 0;
  const loop = new Loop({
    name: "test",
    logger: silentLogger,
    idleMs: 60_000,
    retry: { baseMs: 60_000, maxMs: 60_000 },
    pass: () => {
      passes++;
      return Promise.reject(new Error("db down"));
    },
  });
  loop.start();
  await tick(10);
  loop.wake();
  await tick(20);
  assert.equal(passes, 1);
  await loop.stop();
});

Deno.test("stop ends a sleeping loop at once and aborts the pass in progress", async () => {
  let aborted = false;
  let release: () => void = () => {};
  const loop = new Loop({
    name: "test",
    logger: silentLogger,
    idleMs: 60_000,
    pass: (signal) =>
      new Promise((resolve) => {
        release = () => resolve(false);
        signal.addEventListener("abort", () => {
          aborted = true;
          resolve(false);
        });
      }),
  });
  loop.start();
  await tick(5);
  const started = performance.now();
  await loop.stop();
  assert.ok(aborted, "the pass in progress saw the abort");
  assert.ok(performance.now() - started < 1_000);
  release();
});
