/**
 * Which headers cross the gateway, in both directions. Hop-by-hop headers (RFC 9110 §7.6.1)
 * stay behind; request id, correlation id and trace context go on; the client's address is
 * appended to `x-forwarded-for`. Everything else, `Idempotency-Key` included, passes untouched.
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
  /** The caller's W3C trace context; a new trace is started when absent or malformed. */
  traceparent: string | undefined;
  /** The address the request came from; undefined behind `app.request()` in tests. */
  clientIp: string | undefined;
  /** Host and scheme the client used, for `x-forwarded-host` / `x-forwarded-proto`. */
  host: string;
  proto: string;
}

function withoutHopByHop(source: Headers): Headers {
  const out = new Headers();
  const named = (source.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase());
  for (const [name, value] of source) {
    if (HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out.append(name, value);
  }
  return out;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** A fresh W3C traceparent (version 00, sampled). */
export function newTraceparent(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const hex = (n: number) =>
    Array.from(random(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `00-${hex(16)}-${hex(8)}-01`;
}

/** Headers for the upstream request. */
export function upstreamRequestHeaders(incoming: Headers, ctx: ForwardContext): Headers {
  const headers = withoutHopByHop(incoming);
  headers.delete("host");
  // Bodies cross as they are; no decompression and re-compression in between.
  headers.set("accept-encoding", "identity");
  headers.set("x-request-id", ctx.requestId);
  headers.set("x-correlation-id", ctx.correlationId);
  const trace = ctx.traceparent?.trim().toLowerCase();
  headers.set("traceparent", trace && TRACEPARENT.test(trace) ? trace : newTraceparent());
  if (ctx.clientIp) {
    const prior = incoming.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${ctx.clientIp}` : ctx.clientIp);
  }
  headers.set("x-forwarded-host", ctx.host);
  headers.set("x-forwarded-proto", ctx.proto);
  return headers;
}

/** Removes hop-by-hop headers (and those `connection` names) from a response's headers. */
export function stripHopByHop(headers: Headers): void {
  const named = (headers.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase());
  for (const name of [...HOP_BY_HOP, ...named]) if (name) headers.delete(name);
}
