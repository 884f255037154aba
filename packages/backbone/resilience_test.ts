import assert from "node:assert/strict";
import { UnavailableError, ValidationError } from "./errors.ts";
import { retryWhile } from "./resilience.ts";

const unavailable = (err: unknown) => err instanceof UnavailableError;

Deno.test("retryWhile retries a matching error, at once and then after capped delays, until it succeeds", async () => {
  const calls: number[] = [];
  const retried: unknown[] = [];
  const result = await retryWhile(() => {
    calls.push(performance.now());
    return calls.length < 6
      ? Promise.reject(new UnavailableError(`down ${calls.length}`))
      : Promise.resolve("done");
  }, {
    when: unavailable,
    signal: new AbortController().signal,
    // A cap far below the growth: about 30 ms each, where uncapped they add up to over a second.
    initialDelayMs: 200,
    maxDelayMs: 30,
    onRetry: (err) => retried.push(err),
  });
  assert.equal(result, "done");
  assert.deepEqual(
    retried.map((e) => (e as Error).message),
    [1, 2, 3, 4, 5].map((n) => `down ${n}`),
  );
  const gaps = calls.slice(1).map((t, i) => t - calls[i]);
  const waited = gaps.slice(1).reduce((a, b) => a + b, 0);
  assert.ok(gaps[0] < 15, `the first retry goes at once: ${gaps[0]} ms`);
  assert.ok(waited >= 50 && waited < 600, `then it waits, capped: ${gaps.join(", ")}`);
});

Deno.test("retryWhile throws any other error at once, and the happy path is one call", async () => {
  let calls = 0;
  const options = {
    when: unavailable,
    signal: new AbortController().signal,
    initialDelayMs: 10,
    maxDelayMs: 10,
    onRetry: () => assert.fail("nothing to retry"),
  };
  await assert.rejects(
    () => retryWhile(() => (calls++, Promise.reject(new ValidationError("bad"))), options),
    ValidationError,
  );
  assert.equal(calls, 1);
  assert.equal(await retryWhile(() => (calls++, Promise.resolve(7)), options), 7);
  assert.equal(calls, 2);
});

Deno.test("retryWhile stops waiting when aborted and throws the last error", async () => {
  const stop = new AbortController();
  let calls = 0;
  const started = performance.now();
  const running = retryWhile(() => {
    calls++;
    return Promise.reject(new UnavailableError(`down ${calls}`));
  }, { when: unavailable, signal: stop.signal, initialDelayMs: 60_000, maxDelayMs: 60_000 });
  setTimeout(() => stop.abort(), 50);
  await assert.rejects(running, /down 2/);
  assert.equal(calls, 2, "one immediate retry, then the long wait that the abort cut short");
  assert.ok(performance.now() - started < 5_000, "did not sleep out the delay");
});
