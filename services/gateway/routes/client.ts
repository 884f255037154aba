/**
 * Who is calling, as the gateway sees it: the client's address (through trusted proxies only)
 * and what goes upstream with the request, the identity token for that upstream included.
 */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import { type AppEnv, identityOf, type IdentitySigner } from "@flotilla/backbone";
import {
  type ClientAddress,
  clientAddress,
  type TrustedProxies,
} from "../domain/client_address.ts";
import type { ForwardContext } from "../domain/forwarding.ts";

/** The client's address and the hops to us; nothing when there is no socket (app.request()). */
export function clientOf(c: Context<AppEnv>, trusted: TrustedProxies): ClientAddress {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined;
  }
  return clientAddress(peer, c.req.header("x-forwarded-for"), trusted);
}

export interface ForwardDeps {
  trustedProxies: TrustedProxies;
  signer: IdentitySigner;
}

/** Everything an upstream request carries besides the client's own headers. */
export async function forwardContext(
  c: Context<AppEnv>,
  deps: ForwardDeps,
  upstream: string,
  url: URL = new URL(c.req.url),
): Promise<ForwardContext> {
  return {
    requestId: c.get("requestId"),
    correlationId: c.get("correlationId"),
    traceparent: c.get("traceparent"),
    forwardedFor: clientOf(c, deps.trustedProxies).chain,
    identityToken: await deps.signer.sign(identityOf(c), upstream),
    host: url.host,
    proto: url.protocol.replace(/:$/, ""),
  };
}
