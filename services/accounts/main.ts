/** accounts: composition root. */
import {
  baseShape,
  bootstrap,
  env,
  IDEMPOTENCY_BUCKET,
  loadConfig,
  serve,
  startConsumer,
} from "@flotilla/backbone";
import {
  ACCOUNTS_TRANSFERS_CONSUMER,
  fleetCatalog,
  TRANSACTIONS_STREAM,
  type TransferSubmitted,
} from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { applyTransfersHandler } from "./handlers/apply_transfers.ts";

const config = loadConfig({
  ...baseShape("accounts", 8081),
  DB_POOL_SIZE: env.positiveInt(10),
  /** Transfers applied per Postgres transaction, at most. */
  TRANSFER_BATCH_SIZE: env.positiveInt(200),
  /** How long a partial batch waits for more transfers. */
  TRANSFER_BATCH_WAIT_MS: env.millis(2),
});

const runtime = await bootstrap({
  service: "accounts",
  catalog: fleetCatalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  poolSize: config.DB_POOL_SIZE,
  relay: true,
});
const app = createApp({
  sql: runtime.sql,
  catalog: runtime.catalog,
  logger: runtime.logger,
  metrics: runtime.metrics,
  readiness: runtime.readiness,
  idempotencyKv: await runtime.kv(IDEMPOTENCY_BUCKET),
});

const transfers = startConsumer<TransferSubmitted>({
  nc: runtime.nats.nc,
  catalog: runtime.catalog,
  stream: TRANSACTIONS_STREAM,
  durable: ACCOUNTS_TRANSFERS_CONSUMER,
  logger: runtime.logger,
  metrics: runtime.metrics,
  sql: runtime.sql,
  batch: {
    handler: applyTransfersHandler(runtime.catalog),
    size: config.TRANSFER_BATCH_SIZE,
    maxWaitMs: config.TRANSFER_BATCH_WAIT_MS,
  },
});
runtime.lifecycle.defer("transfers consumer", () => transfers.stop());

serve(runtime, app, config.PORT);
