/**
 * The gateway's HTTP app: rate limit per client, the public BFF, the streaming proxy for
 * `/api/v1/*`, and the fleet-wide /openapi.json, /docs and /readyz. No database, no NATS.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import {
  type AppEnv,
  createHttpApp,
  type Logger,
  type Metrics,
  problem,
  problemResponse,
  renderDocs,
} from "@flotilla/backbone";
import { ApiDocs, readiness } from "./docs.ts";
import type { OpenApiDocument } from "./domain/openapi_merge.ts";
import type { TokenBucketLimiter } from "./domain/rate_limit.ts";
import type { Route } from "./domain/routes.ts";
import { proxy } from "./proxy.ts";
import { publicRoutes } from "./public.ts";
import { rateLimit } from "./rate_limit.ts";
import type { Upstream } from "./upstream.ts";

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

function upstream(deps: GatewayDeps, name: string): Upstream {
  const found = deps.upstreams.get(name);
  if (!found) throw new Error(`Gateway wiring: no upstream named "${name}"`);
  return found;
}

export function createApp(deps: GatewayDeps): OpenAPIHono<AppEnv> {
  const info = {
    title: "Flotilla gateway",
    description: "The one entry point: /api/v1/* for every service and the public BFF.",
  };
  const app = createHttpApp({
    service: "gateway",
    logger: deps.logger,
    metrics: deps.metrics,
    ...info,
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

  const docs = new ApiDocs({
    upstreams: deps.upstreams,
    routes: deps.routes,
    own: () =>
      app.getOpenAPIDocument({
        openapi: "3.0.3",
        info: { title: info.title, version: "1.0.0", description: info.description },
      }) as OpenApiDocument,
    timeoutMs: deps.docsTimeoutMs,
    cacheMs: deps.docsCacheMs,
  });

  // These three replace the single-service versions of createHttpApp, so they sit in front.
  const front = new OpenAPIHono<AppEnv>();
  front.get("/openapi.json", async (c) => c.json(await docs.document()));
  front.get("/docs", async (c) => {
    const doc = await docs.document();
    return c.html(renderDocs(doc as Parameters<typeof renderDocs>[0]));
  });
  front.get("/readyz", async (c) => {
    const report = await readiness(deps.upstreams, deps.docsTimeoutMs);
    return c.json(report, report.status === "unavailable" ? 503 : 200);
  });
  front.route("/", app);
  front.notFound((c) =>
    problemResponse(problem(404, "Not found", `No route for ${c.req.method} ${c.req.path}`))
  );
  return front;
}
