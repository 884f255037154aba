/**
 * Composition root of the gateway. It has no database and does not need NATS, so instead of
 * `bootstrap` it builds the same pieces itself: config, logger, metrics, lifecycle, the app.
 */
import { createLogger, createMetrics, Lifecycle } from "../../shared/mod.ts";
import { createApp } from "./app.ts";
import {
  type GatewayConfig,
  loadGatewayConfig,
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

if (import.meta.main) {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
  const metrics = createMetrics("gateway");
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  lifecycle.listen();

  const upstreams = buildUpstreams(config);
  for (const u of upstreams.values()) {
    if (!u.configured) {
      logger.warn("upstream not configured; its routes answer 503", {
        upstream: u.name,
        variable: UPSTREAM_ENV[u.name as keyof typeof UPSTREAM_ENV],
      });
    }
  }
  const app = createApp({
    logger,
    metrics,
    routes: ROUTES,
    upstreams,
    limiter: config.RATE_LIMIT_RPS > 0
      ? new TokenBucketLimiter({
        ratePerSecond: config.RATE_LIMIT_RPS,
        burst: config.RATE_LIMIT_BURST,
      })
      : undefined,
    trustForwardedFor: config.TRUST_FORWARDED_FOR,
    docsTimeoutMs: config.DOCS_TIMEOUT_MS,
    docsCacheMs: config.DOCS_CACHE_MS,
  });
  const server = Deno.serve({
    hostname: "0.0.0.0",
    port: config.PORT,
    onListen: ({ port }) =>
      logger.info("listening", {
        port,
        upstreams: Object.fromEntries(
          [...upstreams.values()].map((u) => [u.name, u.baseUrl ?? null]),
        ),
      }),
  }, app.fetch);
  lifecycle.defer("http", () => server.shutdown());
}
