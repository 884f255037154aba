/** The listings service's HTTP app: `createApp(deps)` for main.ts and for tests. */
import type { KV } from "@nats-io/kv";
import {
  createHttpApp,
  gatewayTokens,
  idempotency,
  type IdentityVerifier,
  type Metrics,
  type ReadinessCheck,
} from "@flotilla/backbone";
import type { PhotoDeps } from "./commands/upload_photo.ts";
import { listingsRoutes } from "./routes/listings.ts";
import { photosRoutes } from "./routes/photos.ts";

export interface ListingsDeps extends Omit<PhotoDeps, "now"> {
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  /** The idempotency bucket; without it Idempotency-Key is ignored. */
  idempotencyKv?: KV;
  readiness?: Record<string, ReadinessCheck>;
  /** Microseconds since the epoch. */
  now?: () => number;
}

export function createApp(deps: ListingsDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    ...deps,
    title: "Flotilla listings",
    description:
      "Listings (CQRS write side) with photos in the object store; publishes listing.created and listing.updated",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/listings", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  const withClock = { ...deps, now: deps.now ?? (() => Date.now() * 1000) };
  app.route("/api/v1/listings", listingsRoutes(withClock));
  app.route("/api/v1/listings", photosRoutes(withClock));
  return app;
}
