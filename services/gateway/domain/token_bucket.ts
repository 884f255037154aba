/**
 * Token buckets per client key: each client may burst up to `burst` requests and is then
 * refilled at `ratePerSecond`. Pure: the clock is injected. The least recently seen client is
 * forgotten once more than `maxClients` are tracked, so memory stays bounded.
 */

export interface RateLimitOptions {
  ratePerSecond: number;
  burst: number;
  maxClients?: number;
}

export type RateDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBucketLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #now: () => number;

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    if (!(options.ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    }
    if (!(options.burst >= 1)) throw new RangeError(`burst must be ≥ 1, got ${options.burst}`);
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = now;
  }

  /** Takes one token for `key`, or says how long until one is available. */
  take(key: string): RateDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updatedMs: now };
    bucket.tokens = Math.min(
      this.#burst,
      bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.#rate,
    );
    bucket.updatedMs = now;
    // Re-inserting keeps the map in least-recently-seen order.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    const waitSeconds = (1 - bucket.tokens) / this.#rate;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  get trackedClients(): number {
    return this.#buckets.size;
  }
}
