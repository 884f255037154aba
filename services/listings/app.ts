/** The listings service's HTTP app: `createApp(deps)` for main.ts and for tests. */
import type { KV } from "@nats-io/kv";
import {
  type Catalog,
  createHttpApp,
  idempotency,
  type Logger,
  type Metrics,
  type ReadinessCheck,
  type Sql,
} from "@flotilla/backbone";
import type { PhotoStore } from "./adapters/photo_store.ts";
import { listingsRoutes } from "./routes/listings.ts";
import { photosRoutes } from "./routes/photos.ts";

export interface ListingsDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  sql: Sql;
  catalog: Catalog;
  photos: PhotoStore;
  maxPhotoBytes: number;
  /** The idempotency bucket; without it Idempotency-Key is ignored. */
  idempotencyKv?: KV;
  readiness?: Record<string, ReadinessCheck>;
  /** Microseconds since the epoch. */
  now?: () => number;
}

export function createApp(deps: ListingsDeps) {
  const app = createHttpApp({
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla listings",
    description:
      "Listings (CQRS write side) with photos in the object store; publishes listing.created and listing.updated",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/listings", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  const now = deps.now ?? (() => Date.now() * 1000);
  const common = { service: deps.service, sql: deps.sql, catalog: deps.catalog, now };
  app.route("/api/v1/listings", listingsRoutes(common));
  app.route(
    "/api/v1/listings",
    photosRoutes({ ...common, photos: deps.photos, maxPhotoBytes: deps.maxPhotoBytes }),
  );
  return app;
}
