/**
 * Rate limit per principal (an API key, a signed-in user), and per client address for anonymous
 * callers: a 429 problem with Retry-After once the bucket is empty. Headers a client writes
 * change neither: the key comes from the authenticated identity and the trusted address.
 */
import type { MiddlewareHandler } from "hono";
import {
  type AppEnv,
  identityOf,
  principalKey,
  problem,
  problemResponse,
} from "@flotilla/backbone";
import type { TokenBucketLimiter } from "../domain/token_bucket.ts";

export function rateLimit(
  limiter: TokenBucketLimiter,
  options: { onLimited?: () => void } = {},
): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const key = principalKey(identityOf(c));
    const decision = limiter.take(key);
    if (!decision.allowed) {
      options.onLimited?.();
      return problemResponse(
        problem(
          429,
          "Too many requests",
          `Rate limit exceeded for ${key}; retry after ${decision.retryAfterSeconds} s`,
          c.req.path,
        ),
        { "retry-after": String(decision.retryAfterSeconds) },
      );
    }
    await next();
  };
}
