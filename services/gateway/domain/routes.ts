/** The gateway's route table: which upstream serves which path prefix. Pure, no I/O. */

export interface Route {
  /** A path prefix on a segment boundary: `/api/v1/users` serves `/api/v1/users/7` too. */
  prefix: string;
  /** Upstream name, as in the upstream table (`users`, `listing-view`, …). */
  upstream: string;
}

/** The route that serves `path`, the longest prefix first; undefined when none does. */
export function matchRoute(routes: readonly Route[], path: string): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    const hit = path === route.prefix || path.startsWith(route.prefix + "/");
    if (hit && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}
