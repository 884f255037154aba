/** The listing-view service's HTTP app: `createApp(deps)` for main.ts and for tests. */
import {
  createHttpApp,
  gatewayTokens,
  type IdentityVerifier,
  type Logger,
  type Metrics,
  type ReadinessCheck,
  type Sql,
} from "@flotilla/backbone";
import { listingViewRoutes } from "./routes/listing_view.ts";

export interface ListingViewDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  sql: Sql;
  readiness?: Record<string, ReadinessCheck>;
}

export function createApp(deps: ListingViewDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    ...deps,
    title: "Flotilla listing-view",
    description:
      "The read side: listings with their user embedded, projected from user.* and listing.*; rebuildable with `deno task rebuild-view`",
  });
  app.route("/api/v1/listing-view", listingViewRoutes(deps.sql));
  return app;
}
