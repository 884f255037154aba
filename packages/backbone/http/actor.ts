/** Who is making a request, and the command metadata a route passes to its commands. */
import type { Context } from "hono";
import type { Actor } from "../audit.ts";
import type { CommandMeta } from "../command.ts";
import type { AppEnv } from "./app.ts";
import { identityOf } from "./auth.ts";
import { actorOf } from "./identity.ts";

/** Who is making this request, for audit events: only what the verified identity says. */
export function requestActor(c: Context<AppEnv>): Actor {
  return actorOf(identityOf(c));
}

/** Where a command started from an HTTP request comes from: its actor, correlation and trace. */
export function commandMeta(c: Context<AppEnv>): CommandMeta {
  const identity = identityOf(c);
  const meta: CommandMeta = {
    actor: actorOf(identity),
    correlationId: c.get("correlationId"),
    traceparent: c.get("traceparent"),
  };
  if (identity.principal.user !== undefined) meta.actsFor = identity.principal.user;
  return meta;
}
