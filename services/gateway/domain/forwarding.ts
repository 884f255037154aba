/**
 * Which headers cross the gateway, in both directions. Hop-by-hop headers (RFC 9110 §7.6.1)
 * stay behind; so does every header a client could claim an identity with (its credential, the
 * old `x-user-id` / `x-service-id`, `Forwarded`): the upstream gets the gateway's identity token
 * instead. Request id, correlation id and trace context go on; `x-forwarded-for` carries only the
 * hops from the client on. Everything else, `Idempotency-Key` included, passes untouched.
 */

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export interface ForwardContext {
  requestId: string;
  correlationId: string;
  /** The W3C trace context of this request (the caller's, or the one the gateway started). */
  traceparent: string;
  /** The hops from the client to the gateway (trusted proxies only); empty without a socket. */
  forwardedFor: string[];
  /** The token the gateway signed for this request and this upstream. */
  identityToken: string;
  /** Host and scheme the client used, for `x-forwarded-host` / `x-forwarded-proto`. */
  host: string;
  proto: string;
}

/** Header name/value pairs, lower-case names: cheaper to build than a Headers object. */
export type HeaderList = [string, string][];

/** The headers the gateway sets itself on the way up (any the client sent are replaced). */
const SET_BY_GATEWAY = new Set([
  "authorization",
  "x-user-id",
  "x-service-id",
  "forwarded",
  "x-real-ip",
  "host",
  "accept-encoding",
  "x-request-id",
  "x-correlation-id",
  "traceparent",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
]);

/** Headers for the upstream request. */
export function upstreamRequestHeaders(incoming: Headers, ctx: ForwardContext): HeaderList {
  const named = incoming.get("connection")?.toLowerCase().split(",").map((s) => s.trim()) ?? [];
  const out: HeaderList = [];
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || SET_BY_GATEWAY.has(name) || named.includes(name)) continue;
    out.push([name, value]);
  }
  out.push(["authorization", `Bearer ${ctx.identityToken}`]);
  // Bodies cross as they are; no decompression and re-compression in between.
  out.push(["accept-encoding", "identity"]);
  out.push(["x-request-id", ctx.requestId]);
  out.push(["x-correlation-id", ctx.correlationId]);
  out.push(["traceparent", ctx.traceparent]);
  if (ctx.forwardedFor.length > 0) out.push(["x-forwarded-for", ctx.forwardedFor.join(", ")]);
  out.push(["x-forwarded-host", ctx.host]);
  out.push(["x-forwarded-proto", ctx.proto]);
  return out;
}

/** Removes hop-by-hop headers (and those `connection` names) from a response's headers. */
export function stripHopByHop(headers: Headers): void {
  const named = headers.get("connection")?.split(",").map((s) => s.trim().toLowerCase()) ?? [];
  for (const name of HOP_BY_HOP) if (headers.has(name)) headers.delete(name);
  for (const name of named) if (name) headers.delete(name);
}
