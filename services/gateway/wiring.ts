/** From configuration to the app's dependencies; shared by main.ts and the tests. */
import type { Logger, Metrics } from "@flotilla/backbone";
import type { GatewayDeps } from "./app.ts";
import {
  type GatewayConfig,
  ROUTES,
  UPSTREAM_ENV,
  UPSTREAM_NAMES,
  upstreamUrls,
} from "./config.ts";
import { TokenBucketLimiter } from "./domain/rate_limit.ts";
import { Upstream } from "./upstream.ts";

export function buildUpstreams(config: GatewayConfig): Map<string, Upstream> {
  const urls = upstreamUrls(config);
  return new Map(UPSTREAM_NAMES.map((name) => [
    name,
    new Upstream({
      name,
      baseUrl: urls[name],
      envVar: UPSTREAM_ENV[name],
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      retries: config.UPSTREAM_RETRIES,
      retryDelayMs: config.UPSTREAM_RETRY_DELAY_MS,
      breakerThreshold: config.BREAKER_THRESHOLD,
      halfOpenAfterMs: config.BREAKER_HALF_OPEN_MS,
    }),
  ]));
}

export function gatewayDeps(
  config: GatewayConfig,
  runtime: { logger: Logger; metrics: Metrics },
): GatewayDeps {
  return {
    ...runtime,
    routes: ROUTES,
    upstreams: buildUpstreams(config),
    limiter: config.RATE_LIMIT_RPS > 0
      ? new TokenBucketLimiter({
        ratePerSecond: config.RATE_LIMIT_RPS,
        burst: config.RATE_LIMIT_BURST,
      })
      : undefined,
    trustForwardedFor: config.TRUST_FORWARDED_FOR,
    docsTimeoutMs: config.DOCS_TIMEOUT_MS,
    docsCacheMs: config.DOCS_CACHE_MS,
  };
}
