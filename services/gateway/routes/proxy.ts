/**
 * The streaming reverse proxy for `/api/v1/*` (and the orders page): the route table picks the
 * upstream, the request goes up with the identity token signed for it, the request body streams
 * up and the response body streams back, never buffered.
 */
import { type Context, type Handler } from "hono";
import {
  type AppEnv,
  MAX_BODY_BYTES,
  type Metrics,
  payloadTooLarge,
  problem,
  problemResponse,
  readBody,
} from "@flotilla/backbone";
import { forwardContext, type ForwardDeps } from "./client.ts";
import { stripHopByHop, upstreamRequestHeaders } from "../domain/forwarding.ts";
import { matchRoute, type Route } from "../domain/routes.ts";
import { type Upstream, UpstreamFailure } from "../adapters/upstream.ts";

export interface ProxyDeps extends ForwardDeps {
  routes: readonly Route[];
  upstreams: ReadonlyMap<string, Upstream>;
  maxUploadBytes: number;
  metrics: Metrics;
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\b/i;

/**
 * The body to send up, within the limit (JSON: MAX_BODY_BYTES, anything else: maxUploadBytes):
 * one that declares its length streams through, refused up front when too long; a chunked one
 * is read here first (413 past the limit), so an oversized body never reaches an upstream.
 */
async function boundedBody(c: Context<AppEnv>, maxUploadBytes: number) {
  const body = c.req.raw.body;
  if (!body) return body;
  const limit = JSON_TYPE.test(c.req.header("content-type") ?? "")
    ? MAX_BODY_BYTES
    : maxUploadBytes;
  const declared = c.req.header("content-length");
  if (declared === undefined) return await readBody(c, limit);
  if (Number(declared) > limit) {
    await body.cancel().catch(() => {});
    throw payloadTooLarge(limit);
  }
  return body;
}

/**
 * The upstream response as the client gets it: hop-by-hop headers removed, the body handed on
 * unread. Upstream.send returns responses with mutable headers, so this edits them in place and
 * keeps a small buffered body as bytes (Deno.serve sends those far faster than a stream).
 */
export function relay(res: Response): Response {
  stripHopByHop(res.headers);
  return res;
}

export function proxy(deps: ProxyDeps): Handler<AppEnv> {
  const requests = deps.metrics.counter(
    "gateway_upstream_requests_total",
    "Requests the gateway sent on, by upstream and outcome (HTTP status or failure)",
    ["upstream", "outcome"],
  );
  const duration = deps.metrics.histogram(
    "gateway_upstream_seconds",
    "Time until the upstream's response headers",
    ["upstream"],
  );
  // Labelled children are looked up once: prom-client hashes the labels on every call.
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  const counted = (upstream: string, outcome: string) => {
    const key = `${upstream} ${outcome}`;
    let child = counters.get(key);
    if (!child) counters.set(key, child = requests.labels({ upstream, outcome }));
    return child;
  };
  const timed = (upstream: string) => {
    let child = timers.get(upstream);
    if (!child) timers.set(upstream, child = duration.labels({ upstream }));
    return child;
  };
  return async function proxy(c) {
    const url = new URL(c.req.url);
    const route = matchRoute(deps.routes, url.pathname);
    const upstream = route && deps.upstreams.get(route.upstream);
    if (!upstream) {
      return problemResponse(
        problem(404, "Not found", `No route for ${c.req.method} ${url.pathname}`, url.pathname),
      );
    }
    const body = await boundedBody(c, deps.maxUploadBytes);
    const started = performance.now();
    try {
      const res = await upstream.send(url.pathname + url.search, {
        method: c.req.method,
        headers: upstreamRequestHeaders(
          c.req.raw.headers,
          await forwardContext(c, deps, upstream.name, url),
        ),
        body,
      });
      counted(upstream.name, String(res.status)).inc();
      timed(upstream.name).observe((performance.now() - started) / 1000);
      // Set here, so the shared middleware need not copy the response to add it.
      res.headers.set("x-request-id", c.get("requestId"));
      return relay(res);
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      counted(upstream.name, `gateway_${err.status}`).inc();
      c.get("logger").warn("upstream failed", {
        upstream: upstream.name,
        status: err.status,
        error: err.message,
      });
      return err.toResponse(url.pathname);
    }
  };
}
