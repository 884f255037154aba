/**
 * The hot path. `GET /api/v1/orders/{order_uid}` for an order in this replica's mirror is
 * answered before the router: a Map lookup and the cached bytes, with no per-request id,
 * access log line or validator (the id is still checked). Everything else (query strings,
 * mirror misses, other routes, errors) goes through the full app unchanged.
 */
import type { Metrics } from "@flotilla/backbone";
import { ORDER_UID_PATTERN } from "../domain/order.ts";

type FetchHandler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

const PREFIX = "/api/v1/orders/";

export function withFastReads(
  app: { fetch: FetchHandler },
  local: (uid: string) => Uint8Array | undefined,
  metrics?: Metrics,
): FetchHandler {
  const served = metrics?.httpRequests.labels({
    method: "GET",
    route: "/api/v1/orders/{order_uid} (mirror fast path)",
    status: "200",
  });
  return function fastReads(req, info) {
    if (req.method === "GET") {
      const url = req.url;
      const path = url.indexOf("/", url.indexOf("//") + 2);
      if (url.startsWith(PREFIX, path)) {
        const uid = url.slice(path + PREFIX.length);
        const json = ORDER_UID_PATTERN.test(uid) ? local(uid) : undefined;
        if (json) {
          served?.inc();
          return new Response(json as Uint8Array<ArrayBuffer>, {
            headers: { "content-type": "application/json", "x-order-source": "mirror" },
          });
        }
      }
    }
    return app.fetch(req, info);
  };
}
