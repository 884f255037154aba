/**
 * The Hono app every service starts from: request id and correlation, access log, metrics,
 * authentication, problem+json errors, `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and
 * `/docs` (Swagger UI over that document) generated from the same zod schemas that validate
 * requests.
 */
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { problem, problemHeaders, problemResponse, toProblem } from "../problem.ts";
import { authentication, type Authenticator, SECURITY_SCHEME } from "./auth.ts";
import { accessLog, requestContext } from "./context.ts";
import { docsRoutes } from "./docs.ts";
import { createRouter } from "./router.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { RequestIdentity } from "./identity.ts";

export interface AppVariables {
  requestId: string;
  correlationId: string;
  /** W3C trace context: the caller's, or a new trace. Pass it on in outbox headers. */
  traceparent: string;
  logger: Logger;
  /** Who is calling; set for every route but /healthz, /readyz and /metrics. */
  identity: RequestIdentity;
}
export type AppEnv = { Variables: AppVariables };

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** What /readyz answers (with the service's name added); 503 when `status` is "unavailable". */
export interface ReadinessReport {
  status: "ready" | "degraded" | "unavailable";
  checks: Record<string, string>;
  [detail: string]: unknown;
}

/** An OpenAPI document as JSON: what /openapi.json serves and /docs shows. */
export interface OpenApiDocument {
  openapi?: string;
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: { name: string; description?: string }[];
  [extension: string]: unknown;
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  /**
   * Who may call: a service passes `gatewayTokens(rt.identity)` (only requests the gateway
   * signed for it), the gateway its own. There is no app without one.
   */
  authenticator: Authenticator;
  /** How a client authenticates, for the OpenAPI document's security scheme. */
  authDescription?: string;
  /** Named dependency checks for /readyz (nats, postgres…). */
  readiness?: Record<string, ReadinessCheck>;
  title?: string;
  description?: string;
  /**
   * Above the API on /docs: where a credential works. By default: this service takes the
   * gateway's tokens only, so a person reads and tries its API at the gateway's /docs.
   */
  docsNote?: string;
  /**
   * A service that answers for more than its own routes (the gateway) supplies these:
   * `openapi` builds the document /openapi.json serves and /docs shows from the app's own,
   * `readyz` makes the /readyz report in place of the named checks.
   */
  openapi?: (own: () => OpenApiDocument) => Promise<OpenApiDocument>;
  readyz?: () => Promise<ReadinessReport>;
}

export function createHttpApp(options: HttpAppOptions): OpenAPIHono<AppEnv> {
  const { service, logger, metrics } = options;
  const app = createRouter();
  app.use("*", requestContext(logger));
  app.use("*", accessLog(metrics));
  app.use("*", authentication(options.authenticator));
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEME, {
    type: "http",
    scheme: "bearer",
    description: options.authDescription ??
      "A token the gateway signs for each request (EdDSA, short-lived); clients authenticate " +
        "at the gateway",
  });

  app.onError((err, c) => {
    const instance = c.req.path;
    if (err instanceof HTTPException) {
      // Hono's own: malformed JSON bodies and the like.
      const status = err.status;
      return problemResponse(
        problem(
          status,
          status === 400 ? "Invalid request" : "Request failed",
          err.message,
          instance,
        ),
      );
    }
    const doc = toProblem(err, instance);
    if (doc.status >= 500) {
      (c.get("logger") ?? logger).error("unhandled error", {
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
    return problemResponse(doc, problemHeaders(err));
  });
  app.notFound((c) =>
    problemResponse(problem(404, "Not found", `No route for ${c.req.method} ${c.req.path}`))
  );

  app.get("/healthz", (c) => c.json({ status: "ok", service }));
  const checkReadiness = options.readyz ?? (() => runChecks(options.readiness ?? {}));
  app.get("/readyz", async (c) => {
    const { status, ...rest } = await checkReadiness();
    return c.json({ status, service, ...rest }, status === "unavailable" ? 503 : 200);
  });
  metrics.gauge(
    "service_ready",
    "1 while /readyz says ready or degraded, 0 while unavailable (checked at scrape)",
    [],
    async () => {
      const report = await checkReadiness().catch(() => undefined);
      return report && report.status !== "unavailable" ? 1 : 0;
    },
  );
  app.get("/metrics", async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "content-type": metrics.registry.contentType });
  });
  const title = options.title ?? `Flotilla ${service}`;
  // 3.1: its security requirements may name scopes for a bearer scheme.
  const own = () =>
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title,
        version: "1.0.0",
        description: options.description,
      },
    }) as OpenApiDocument;
  const hook = options.openapi;
  const document = hook ? () => hook(own) : () => Promise.resolve(own());
  app.get("/openapi.json", async (c) => c.json(await document()));
  app.route(
    "/",
    docsRoutes({
      title,
      openapiPath: "/openapi.json",
      note: options.docsNote ??
        `The ${service} service takes requests from the gateway only, each with a token the ` +
          `gateway signs for it: an API key does not work here. Read and try this API at the ` +
          `gateway's /docs, where every service's API is merged.`,
    }),
  );
  return app;
}

async function runChecks(checks: Record<string, ReadinessCheck>): Promise<ReadinessReport> {
  const results: Record<string, "up" | "down"> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let ok = false;
      try {
        ok = await check();
      } catch {
        ok = false;
      }
      results[name] = ok ? "up" : "down";
    }),
  );
  const ready = Object.values(results).every((v) => v === "up");
  return { status: ready ? "ready" : "unavailable", checks: results };
}
