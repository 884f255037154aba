/** Composition root of the listing-view service (port 8086). */
import { baseShape, bootstrap, env, loadConfig, serve } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { startViewConsumers } from "./handlers/events.ts";

const SERVICE = "listing-view";
const config = loadConfig({
  ...baseShape(SERVICE, 8086),
  /** Events each consumer applies at once. */
  CONSUMER_CONCURRENCY: env.positiveInt(16),
});
const runtime = await bootstrap({
  service: SERVICE,
  catalog: fleetCatalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  migrations: "listing-view",
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  poolSize: config.CONSUMER_CONCURRENCY * 2 + 4,
});
const app = createApp({
  service: SERVICE,
  logger: runtime.logger,
  metrics: runtime.metrics,
  sql: runtime.sql,
  readiness: runtime.readiness,
});
for (
  const consumer of startViewConsumers({
    nc: runtime.nats.nc,
    catalog: runtime.catalog,
    sql: runtime.sql,
    logger: runtime.logger,
    metrics: runtime.metrics,
    concurrency: config.CONSUMER_CONCURRENCY,
  })
) {
  runtime.lifecycle.defer(`consumer ${consumer.name}`, () => consumer.stop());
}
serve(runtime, app, config.PORT);
