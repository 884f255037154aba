/** Composition root of the users service (port 8084). */
import { baseShape, bootstrap, IDEMPOTENCY_BUCKET, loadConfig, serve } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { createApp } from "./app.ts";

const SERVICE = "users";
const config = loadConfig(baseShape(SERVICE, 8084));
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
  idempotencyKv: await runtime.kv(IDEMPOTENCY_BUCKET),
  readiness: runtime.readiness,
});
serve(runtime, app, config.PORT);
