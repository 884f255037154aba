import assert from "node:assert/strict";
import { TokenBucketLimiter } from "./token_bucket.ts";

Deno.test("a client may burst, is then refused with a retry delay, and is refilled over time", () => {
  let now = 0;
  const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3 }, () => now);
  for (let i = 0; i < 3; i++) assert.equal(limiter.take("a").allowed, true);
  const refused = limiter.take("a");
  assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 1 });
  now += 499;
  assert.equal(limiter.take("a").allowed, false);
  now += 2;
  assert.equal(limiter.take("a").allowed, true);
});

Deno.test("clients have separate buckets", () => {
  const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1 }, () => 0);
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, false);
  assert.equal(limiter.take("b").allowed, true);
});

Deno.test("a slow refill gives a Retry-After of several seconds", () => {
  const limiter = new TokenBucketLimiter({ ratePerSecond: 0.2, burst: 1 }, () => 0);
  limiter.take("a");
  assert.deepEqual(limiter.take("a"), { allowed: false, retryAfterSeconds: 5 });
});

Deno.test("the least recently seen client is forgotten beyond maxClients", () => {
  const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxClients: 2 }, () => 0);
  limiter.take("a");
  limiter.take("b");
  limiter.take("a");
  limiter.take("c");
  assert.equal(limiter.trackedClients, 2);
  // "b" was forgotten, so it starts with a full bucket; "a" is still empty.
  assert.equal(limiter.take("b").allowed, true);
  assert.equal(limiter.take("c").allowed, false);
});

Deno.test("a non-positive rate is refused at construction", () => {
  assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1 }), RangeError);
});
