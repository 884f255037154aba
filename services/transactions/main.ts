/** transactions: composition root. */
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
  fleetCatalog,
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSACTIONS_STREAM,
  type TransferOutcome,
} from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { recordOutcomesHandler } from "./handlers/record_outcome.ts";

const config = loadConfig({
  ...baseShape("transactions", 8082),
  DB_POOL_SIZE: env.positiveInt(10),
  /** Outcomes recorded per Postgres transaction, at most. */
  OUTCOME_BATCH_SIZE: env.positiveInt(200),
  /** How long a partial batch waits for more outcomes. */
  OUTCOME_BATCH_WAIT_MS: env.millis(2),
  /**
   * Submissions wait while this many transfers are pending (0: never wait). Bounds how long a
   * transfer takes to settle under more load than the ledger can take.
   */
  TRANSFER_MAX_PENDING: env.nonNegativeInt(128),
  /** Longest a submission waits for room; then it is accepted anyway. */
  TRANSFER_ADMISSION_WAIT_MS: env.millis(2_000),
});

const runtime = await bootstrap({
  service: "transactions",
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
  admission: config.TRANSFER_MAX_PENDING > 0
    ? { maxPending: config.TRANSFER_MAX_PENDING, maxWaitMs: config.TRANSFER_ADMISSION_WAIT_MS }
    : undefined,
});

const outcomes = startConsumer<TransferOutcome>({
  nc: runtime.nats.nc,
  catalog: runtime.catalog,
  stream: TRANSACTIONS_STREAM,
  durable: TRANSACTIONS_OUTCOMES_CONSUMER,
  logger: runtime.logger,
  metrics: runtime.metrics,
  sql: runtime.sql,
  batch: {
    handler: recordOutcomesHandler(runtime.catalog),
    size: config.OUTCOME_BATCH_SIZE,
    maxWaitMs: config.OUTCOME_BATCH_WAIT_MS,
  },
});
runtime.lifecycle.defer("outcomes consumer", () => outcomes.stop());

serve(runtime, app, config.PORT);
