/**
 * The hot path. `GET /api/v1/orders/{order_uid}` for an order in this replica's mirror is
 * answered before the router: a Map lookup and the cached bytes, with no per-request id,
 * access log line or validator (the id and the gateway's token are still checked; one order by
 * its id is public, so any valid token will do). Everything else (query strings, mirror misses,
 * missing or bad tokens, other routes, errors) goes through the full app unchanged.
 */
import type { IdentityVerifier, Metrics } from "@flotilla/backbone";
import { ORDER_UID_PATTERN } from "../domain/order.ts";

type FetchHandler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

const PREFIX = "/api/v1/orders/";

export function withFastReads(
  app: { fetch: FetchHandler },
  local: (uid: string) => Uint8Array | undefined,
  identity: IdentityVerifier,
  metrics?: Metrics,
): FetchHandler {
  const verified = (authorization: string | null) =>
    authorization?.startsWith("Bearer ")
      ? identity.verify(authorization.slice(7)).then(() => true, () => false)
      : false;
  const served = metrics?.httpRequests.labels({
    method: "GET",
    route: "/api/v1/orders/{order_uid} (mirror fast path)",
    status: "200",
  });
  return async function fastReads(req, info) {
    if (req.method === "GET") {
      const url = req.url;
      const path = url.indexOf("/", url.indexOf("//") + 2);
      if (url.startsWith(PREFIX, path)) {
        const uid = url.slice(path + PREFIX.length);
        const json = ORDER_UID_PATTERN.test(uid) ? local(uid) : undefined;
        if (json && await verified(req.headers.get("authorization"))) {
          served?.inc();
          return new Response(json as Uint8Array<ArrayBuffer>, {
            headers: { "content-type": "application/json", "x-order-source": "mirror" },
          });
        }
      }
    }
    return await app.fetch(req, info);
  };
}
