/** Per-request context (request id, correlation id, trace context, logger) and the access log. */
import type { MiddlewareHandler } from "hono";
import { uuidv7 } from "../ids.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { activeTraceparent } from "../telemetry/trace.ts";
import type { AppEnv } from "./app.ts";

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

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : uuidv7();
    const correlation = c.req.header("x-correlation-id");
    const correlationId = correlation && /^[\w.:-]{1,128}$/.test(correlation)
      ? correlation
      : requestId;
    c.set("requestId", requestId);
    c.set("correlationId", correlationId);
    // With tracing on, the server span Deno started (a child of the caller's traceparent).
    c.set(
      "traceparent",
      activeTraceparent() ?? validTraceparent(c.req.header("traceparent")) ?? newTraceparent(),
    );
    c.set("logger", logger.child({ request_id: requestId, correlation_id: correlationId }));
    c.header("x-request-id", requestId);
    await next();
    // Responses made through `c` carry it already. Setting a header on a finished response
    // makes Hono copy it (its body becomes a stream), so only the others get it here.
    if (c.res.headers.get("x-request-id") !== requestId) c.header("x-request-id", requestId);
  };
}

export function accessLog(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    if (route === "/metrics" || route === "/healthz") return;
    metrics.httpRequests.labels({ method: c.req.method, route, status: String(c.res.status) })
      .inc();
    metrics.httpDuration.labels({ method: c.req.method, route }).observe(seconds);
    if (c.res.headers.get("idempotent-replayed") === "true") {
      metrics.idempotencyReplays.labels({ route }).inc();
    }
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
