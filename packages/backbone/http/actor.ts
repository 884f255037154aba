/** Who is making a request, and the command metadata a route passes to its commands. */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import type { CommandMeta } from "../command.ts";
import type { AppEnv } from "./app.ts";

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
