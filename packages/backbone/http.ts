/**
 * The Hono app every service starts from: request id and correlation, access log, metrics,
 * problem+json errors, `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs`
 * generated from the same zod schemas that validate requests.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import { HTTPException } from "hono/http-exception";
import type { CommandMeta } from "./command.ts";
import { issuesFromZod, ValidationError } from "./errors.ts";
import { uuidv7 } from "./ids.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { problem, problemHeaders, problemResponse, toProblem } from "./problem.ts";

export interface AppVariables {
  requestId: string;
  correlationId: string;
  /** W3C trace context: the caller's, or a new trace. Pass it on in outbox headers. */
  traceparent: string;
  logger: Logger;
}
export type AppEnv = { Variables: AppVariables };

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** What /readyz answers (with the service's name added); 503 when `status` is "unavailable". */
export interface ReadinessReport {
  status: "ready" | "degraded" | "unavailable";
  checks: Record<string, string>;
  [detail: string]: unknown;
}

/** An OpenAPI document as JSON: what /openapi.json serves and /docs lists. */
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
  /** Named dependency checks for /readyz (nats, postgres…). */
  readiness?: Record<string, ReadinessCheck>;
  title?: string;
  description?: string;
  /**
   * A service that answers for more than its own routes (the gateway) supplies these:
   * `openapi` builds the document /openapi.json serves and /docs lists from the app's own,
   * `readyz` makes the /readyz report in place of the named checks.
   */
  openapi?: (own: () => OpenApiDocument) => Promise<OpenApiDocument>;
  readyz?: () => Promise<ReadinessReport>;
}

const targetNames: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/** Validation failures of request schemas become 400 problem+json naming each field. */
export function validationHook(
  result: { success: boolean; target: string; error?: unknown },
  c: Context,
  options: RouterOptions = {},
): Response | undefined {
  if (result.success) return undefined;
  const where = targetNames[result.target] ?? result.target;
  const issues = issuesFromZod(result.error as Parameters<typeof issuesFromZod>[0]).map((i) => ({
    path: i.path === "" ? where : i.path,
    message: i.message,
    in: where,
  }));
  const err = ValidationError.of("Invalid request", issues);
  if (options.compat === "error") err.extensions.error = issues[0]?.message ?? "invalid request";
  return problemResponse(toProblem(err, new URL(c.req.url).pathname));
}

export interface RouterOptions {
  /**
   * `"error"`: validation problems also carry the original API's `error` member (the first
   * failing field's message), for clients of the services Flotilla replaced.
   */
  compat?: "error";
}

/** A router for one resource, with the shared validation hook; mount it with `app.route()`. */
export function createRouter(options: RouterOptions = {}): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => validationHook(result, c, options),
  });
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
function validTraceparent(value: string | undefined): string | undefined {
  return value && TRACEPARENT.test(value) ? value : undefined;
}
function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : uuidv7();
    const correlation = c.req.header("x-correlation-id");
    const correlationId = correlation && /^[\w.:-]{1,128}$/.test(correlation)
      ? correlation
      : requestId;
    c.set("requestId", requestId);
    c.set("correlationId", correlationId);
    c.set("traceparent", validTraceparent(c.req.header("traceparent")) ?? newTraceparent());
    c.set("logger", logger.child({ request_id: requestId, correlation_id: correlationId }));
    c.header("x-request-id", requestId);
    await next();
    // Responses made through `c` carry it already. Setting a header on a finished response
    // makes Hono copy it (its body becomes a stream), so only the others get it here.
    if (c.res.headers.get("x-request-id") !== requestId) c.header("x-request-id", requestId);
  };
}

function accessLog(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    if (route === "/metrics" || route === "/healthz") return;
    metrics.httpRequests.labels({ method: c.req.method, route, status: String(c.res.status) })
      .inc();
    metrics.httpDuration.labels({ method: c.req.method, route }).observe(seconds);
    const log = c.get("logger");
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(seconds * 10_000) / 10,
    };
    if (c.res.status >= 500) log.error("request failed", fields);
    else log.debug("request", fields);
  };
}

export function createHttpApp(options: HttpAppOptions): OpenAPIHono<AppEnv> {
  const { service, logger, metrics } = options;
  const app = createRouter();
  app.use("*", requestContext(logger));
  app.use("*", accessLog(metrics));

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
  app.get("/metrics", async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "content-type": metrics.registry.contentType });
  });
  const own = () =>
    app.getOpenAPIDocument({
      openapi: "3.0.3",
      info: {
        title: options.title ?? `Flotilla ${service}`,
        version: "1.0.0",
        description: options.description,
      },
    }) as OpenApiDocument;
  const hook = options.openapi;
  const document = hook ? () => hook(own) : () => Promise.resolve(own());
  app.get("/openapi.json", async (c) => c.json(await document()));
  app.get("/docs", async (c) => c.html(renderDocs(await document())));
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

/** An operation's one-line description on the docs page. */
function summaryOf(op: unknown): string {
  if (!op || typeof op !== "object") return "";
  if ("summary" in op && typeof op.summary === "string") return op.summary;
  if ("description" in op && typeof op.description === "string") return op.description;
  return "";
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A self-contained page listing the API (no CDN: the machines that run Flotilla may have no
 * internet); the full description is one click away at /openapi.json.
 */
function renderDocs(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) =>
      `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${
        escapeHtml(path)
      }</code></td><td>${escapeHtml(summaryOf(op))}</td></tr>`
    )
  ).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${
    escapeHtml(doc.info?.title ?? "")
  }</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.4rem}
.m{font-weight:bold;width:5rem}.get{color:#2a7}.post{color:#27a}.patch,.put{color:#a72}.delete{color:#c33}</style>
</head><body><h1>${escapeHtml(doc.info?.title ?? "")}</h1><p>${
    escapeHtml(doc.info?.description ?? "")
  }</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p><table>${rows}</table></body></html>`;
}

/** Who is making this request, for audit events: set by the gateway, or anonymous. */
export function requestActor(c: Context): {
  type: "user" | "service" | "anonymous";
  id: string;
  ip: string | null;
  user_agent: string | null;
} {
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  let ip: string | null = forwarded || null;
  if (!ip) {
    try {
      ip = getConnInfo(c).remote.address ?? null;
    } catch {
      ip = null; // no socket behind app.request() in tests
    }
  }
  const userId = c.req.header("x-user-id");
  const serviceId = c.req.header("x-service-id");
  const valid = (v: string | undefined) => v !== undefined && /^[\w.@:-]{1,128}$/.test(v);
  return {
    type: valid(userId) ? "user" : valid(serviceId) ? "service" : "anonymous",
    id: valid(userId) ? userId! : valid(serviceId) ? serviceId! : "anonymous",
    ip,
    user_agent: c.req.header("user-agent")?.slice(0, 512) ?? null,
  };
}

/** Where a command started from an HTTP request comes from: its actor, correlation and trace. */
export function commandMeta(c: Context<AppEnv>): CommandMeta {
  return {
    actor: requestActor(c),
    correlationId: c.get("correlationId"),
    traceparent: c.get("traceparent"),
  };
}
