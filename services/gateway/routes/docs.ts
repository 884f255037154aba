/**
 * The fleet's /openapi.json, /docs and /readyz: the gateway's own API merged with every
 * upstream's, and each upstream's readiness, supplied to the shared app as its hooks.
 */
import type { HttpAppOptions, IdentitySigner } from "@flotilla/backbone";
import { ApiDocs, upstreamReadiness } from "../adapters/upstream_docs.ts";
import type { Upstream } from "../adapters/upstream.ts";
import type { Route } from "../domain/routes.ts";

export interface DocsDeps {
  routes: readonly Route[];
  upstreams: ReadonlyMap<string, Upstream>;
  docsTimeoutMs: number;
  docsCacheMs: number;
  signer: IdentitySigner;
}

export function fleetDocs(deps: DocsDeps): Pick<HttpAppOptions, "openapi" | "readyz"> {
  const docs = new ApiDocs({
    upstreams: deps.upstreams,
    routes: deps.routes,
    timeoutMs: deps.docsTimeoutMs,
    cacheMs: deps.docsCacheMs,
    signer: deps.signer,
  });
  return {
    openapi: (own) => docs.document(own),
    readyz: () => upstreamReadiness(deps.upstreams, deps.docsTimeoutMs),
  };
}
