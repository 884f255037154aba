import assert from "node:assert/strict";
import { backoffDelay } from "./backoff.ts";

Deno.test("backoff grows with the delivery count and never shrinks, whatever the jitter", () => {
  const opts = { baseMs: 100, maxMs: 10_000 };
  for (let n = 1; n < 12; n++) {
    const worstNext = backoffDelay(n + 1, opts, () => 0);
    const bestThis = backoffDelay(n, opts, () => 1);
    assert.ok(worstNext >= bestThis, `delivery ${n + 1} may not wait less than delivery ${n}`);
  }
  assert.equal(backoffDelay(1, opts, () => 0), 50);
  assert.equal(backoffDelay(1, opts, () => 1), 100);
  assert.equal(backoffDelay(50, opts, () => 1), 10_000);
});

Deno.test("backoff spreads retries of the same delivery count", () => {
  const delays = new Set(
    Array.from({ length: 50 }, () => backoffDelay(4, { baseMs: 100, maxMs: 10_000 })),
  );
  assert.ok(delays.size > 10);
  for (const d of delays) assert.ok(d >= 400 && d <= 800);
});
