/**
 * The gateway's HTTP app: authentication (API keys, OIDC), rate limit per principal, the BFF,
 * key management, the streaming proxy for `/api/v1/*` that hands each upstream a token it
 * signs, and the fleet-wide /openapi.json, /docs and /readyz. No database; NATS for the keys.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { KV } from "@nats-io/kv";
import {
  type AppEnv,
  createHttpApp,
  IdentitySigner,
  type Logger,
  type Metrics,
} from "@flotilla/backbone";
import { KeyMirror } from "./adapters/key_mirror.ts";
import { OidcVerifier } from "./adapters/oidc.ts";
import { Upstream } from "./adapters/upstream.ts";
import {
  type GatewayConfig,
  oidcSettings,
  ROUTES,
  SERVICE,
  UPSTREAM_ENV,
  UPSTREAM_NAMES,
  upstreamUrls,
} from "./config.ts";
import type { TrustedProxies } from "./domain/client_address.ts";
import type { Route } from "./domain/routes.ts";
import { TokenBucketLimiter } from "./domain/token_bucket.ts";
import { edgeAuthenticator } from "./routes/authenticate.ts";
import { fleetDocs } from "./routes/docs.ts";
import { keyRoutes } from "./routes/keys.ts";
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
  /** The API keys bucket and its in-process mirror (a worker: start it before serving). */
  keysKv: KV;
  keys: KeyMirror;
  /** Undefined when no OIDC provider is configured. */
  oidc?: OidcVerifier;
  signer: IdentitySigner;
  trustedProxies: TrustedProxies;
  /** Largest non-JSON request body the proxy takes (JSON: MAX_BODY_BYTES). */
  maxUploadBytes: number;
  docsTimeoutMs: number;
  docsCacheMs: number;
}

/** From the configuration to the app's dependencies; for main.ts and the tests. */
export async function gatewayDeps(
  { config, logger, metrics, keysKv }: {
    config: GatewayConfig;
    logger: Logger;
    metrics: Metrics;
    keysKv: KV;
  },
): Promise<GatewayDeps> {
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
  const oidc = oidcSettings(config);
  const signer = await IdentitySigner.fromKey(
    config.IDENTITY_SIGNING_KEY,
    config.IDENTITY_TOKEN_TTL_S,
  );
  logger.info("routing", {
    upstreams: Object.fromEntries(UPSTREAM_NAMES.map((name) => [name, urls[name] ?? null])),
    rate_limit_rps: config.RATE_LIMIT_RPS,
    trusted_proxies: config.TRUSTED_PROXIES.text,
    oidc_issuer: oidc?.issuer ?? null,
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
    keysKv,
    keys: new KeyMirror({ kv: keysKv, logger }),
    oidc: oidc && new OidcVerifier(oidc),
    signer,
    trustedProxies: config.TRUSTED_PROXIES,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
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
    authenticator: edgeAuthenticator(deps),
    authDescription: "An API key (`flt_…`, from `deno task keys create` or POST /api/v1/keys) " +
      "or an access token from the configured OIDC provider",
    title: "Flotilla gateway",
    description: "The one entry point: /api/v1/* for every service and the public BFF.",
    ...fleetDocs(deps),
  });

  if (deps.limiter) {
    const limited = deps.metrics.counter(
      "gateway_rate_limited_total",
      "Requests refused with 429",
    );
    const limit = rateLimit(deps.limiter, { onLimited: () => limited.inc() });
    app.use("/api/v1/*", limit);
    app.use("/public/*", limit);
    app.use("/orders/*", limit);
  }
  app.route(
    "/",
    publicRoutes({
      ...deps,
      users: upstream(deps, "users"),
      listings: upstream(deps, "listings"),
      listingView: upstream(deps, "listing-view"),
    }),
  );
  app.route("/api/v1/keys", keyRoutes(deps.keysKv));
  const forward = proxy(deps);
  app.all("/api/v1/*", forward);
  // "/orders/*" matches "/orders" too: the orders page.
  app.all("/orders/*", forward);
  return app;
}
