/**
 * The gateway's HTTP app: rate limit per client, the public BFF, the streaming proxy for
 * `/api/v1/*`, and the fleet-wide /openapi.json, /docs and /readyz. No database, no NATS.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv, createHttpApp, type Logger, type Metrics } from "@flotilla/backbone";
import { Upstream } from "./adapters/upstream.ts";
import {
  type GatewayConfig,
  ROUTES,
  SERVICE,
  UPSTREAM_ENV,
  UPSTREAM_NAMES,
  upstreamUrls,
} from "./config.ts";
import type { Route } from "./domain/routes.ts";
import { TokenBucketLimiter } from "./domain/token_bucket.ts";
import { fleetDocs } from "./routes/docs.ts";
import { proxy } from "./routes/proxy.ts";
import { publicRoutes } from "./routes/public.ts";
import { rateLimit } from "./routes/rate_limit.ts";

export interface GatewayDeps {
  logger: Logger;
  metrics: Metrics;
  routes: readonly Route[];
  /** Every upstream by name, configured or not (an unconfigured one answers 503). */
  upstreams: ReadonlyMap<string, Upstream>;
  /** Undefined turns rate limiting off. */
  limiter?: TokenBucketLimiter;
  trustForwardedFor: boolean;
  docsTimeoutMs: number;
  docsCacheMs: number;
}

/** From the configuration to the app's dependencies; for main.ts and the tests. */
export function gatewayDeps(
  { config, logger, metrics }: { config: GatewayConfig; logger: Logger; metrics: Metrics },
): GatewayDeps {
  const urls = upstreamUrls(config);
  const upstreams = new Map(UPSTREAM_NAMES.map((name) => [
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
  for (const [name, upstream] of upstreams) {
    metrics.breaker(`upstream_${name.replaceAll("-", "_")}`, () => upstream.circuit);
  }
  for (const name of UPSTREAM_NAMES) {
    if (urls[name] === undefined) {
      logger.warn("upstream not configured; its routes answer 503", {
        upstream: name,
        variable: UPSTREAM_ENV[name],
      });
    }
  }
  logger.info("routing", {
    upstreams: Object.fromEntries(UPSTREAM_NAMES.map((name) => [name, urls[name] ?? null])),
    rate_limit_rps: config.RATE_LIMIT_RPS,
  });
  return {
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
  };
}

function upstream(deps: GatewayDeps, name: string): Upstream {
  const found = deps.upstreams.get(name);
  if (!found) throw new Error(`Gateway wiring: no upstream named "${name}"`);
  return found;
}

export function createApp(deps: GatewayDeps): OpenAPIHono<AppEnv> {
  const app = createHttpApp({
    service: SERVICE,
    logger: deps.logger,
    metrics: deps.metrics,
    title: "Flotilla gateway",
    description: "The one entry point: /api/v1/* for every service and the public BFF.",
    ...fleetDocs(deps),
  });

  if (deps.limiter) {
    const limited = deps.metrics.counter(
      "gateway_rate_limited_total",
      "Requests refused with 429",
    );
    const limit = rateLimit(deps.limiter, {
      trustForwardedFor: deps.trustForwardedFor,
      onLimited: () => limited.inc(),
    });
    app.use("/api/v1/*", limit);
    app.use("/public/*", limit);
  }
  app.route(
    "/",
    publicRoutes({
      users: upstream(deps, "users"),
      listings: upstream(deps, "listings"),
      listingView: upstream(deps, "listing-view"),
      trustForwardedFor: deps.trustForwardedFor,
    }),
  );
  app.all("/api/v1/*", proxy(deps));
  return app;
}
