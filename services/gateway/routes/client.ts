/** Who is calling, as the gateway sees it: the address used for rate limits and x-forwarded-for. */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import type { AppEnv } from "@flotilla/backbone";
import type { ForwardContext } from "../domain/forwarding.ts";

/** The client's IP; from x-forwarded-for only when the gateway sits behind a trusted proxy. */
export function clientIp(c: Context<AppEnv>, trustForwardedFor: boolean): string | undefined {
  if (trustForwardedFor) {
    const first = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (first) return first;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // no socket behind app.request()
  }
}

export function forwardContext(
  c: Context<AppEnv>,
  trustForwardedFor: boolean,
  url: URL = new URL(c.req.url),
): ForwardContext {
  return {
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
    traceparent: c.get("traceparent"),
    clientIp: clientIp(c, trustForwardedFor),
    host: url.host,
    proto: url.protocol.replace(/:$/, ""),
  };
}
