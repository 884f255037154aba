/** Composition root of the listings service (port 8085). */
import {
  baseShape,
  bootstrap,
  env,
  IDEMPOTENCY_BUCKET,
  loadConfig,
  serve,
} from "@flotilla/backbone";
import { fleetCatalog, PHOTOS_BUCKET } from "@flotilla/contracts";
import { objectPhotoStore } from "./adapters/photo_store.ts";
import { createApp } from "./app.ts";

const SERVICE = "listings";
const config = loadConfig({
  ...baseShape(SERVICE, 8085),
  /** Largest photo accepted, bytes (413 beyond). */
  PHOTO_MAX_BYTES: env.positiveInt(10 * 1024 * 1024),
});
const runtime = await bootstrap({
  service: SERVICE,
  catalog: fleetCatalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  relay: true,
});
const app = createApp({
  service: SERVICE,
  logger: runtime.logger,
  metrics: runtime.metrics,
  sql: runtime.sql,
  catalog: runtime.catalog,
  photos: objectPhotoStore(await runtime.objects(PHOTOS_BUCKET)),
  maxPhotoBytes: config.PHOTO_MAX_BYTES,
  idempotencyKv: await runtime.kv(IDEMPOTENCY_BUCKET),
  readiness: runtime.readiness,
});
serve(runtime, app, config.PORT);
