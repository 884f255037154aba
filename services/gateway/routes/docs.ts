/**
 * The fleet's /openapi.json, /docs and /readyz: the gateway's own API merged with every
 * upstream's, and each upstream's readiness, supplied to the shared app as its hooks. /docs is
 * where a person tries the whole API: "Try it out" goes through this gateway, which checks the
 * key given to "Authorize" as it checks any client's.
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

const DOCS_NOTE = "Authorize with an API key (flt_…, from `deno task keys create`) or an access " +
  "token from the configured OIDC provider: Try it out sends it as `Authorization: Bearer` to " +
  "this gateway, which checks it and the scope each operation needs, as for any client. The " +
  "page keeps it in memory only: reloading forgets it.";

export function fleetDocs(
  deps: DocsDeps,
): Pick<HttpAppOptions, "openapi" | "readyz" | "docsNote"> {
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
    docsNote: DOCS_NOTE,
  };
}
