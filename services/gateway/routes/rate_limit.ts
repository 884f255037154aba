/** Rate limit per client IP: a 429 problem with Retry-After once the client's bucket is empty. */
import type { MiddlewareHandler } from "hono";
import { type AppEnv, problem, problemResponse } from "@flotilla/backbone";
import { clientIp } from "./client.ts";
import type { TokenBucketLimiter } from "../domain/token_bucket.ts";

export function rateLimit(
  limiter: TokenBucketLimiter,
  options: { trustForwardedFor: boolean; onLimited?: () => void },
): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const key = clientIp(c, options.trustForwardedFor) ?? "unknown";
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
