/** accounts: composition root. */
import {
  baseShape,
  bootstrap,
  env,
  fleetCatalog,
  IDEMPOTENCY_BUCKET,
  loadConfig,
  OutboxRelay,
  serve,
  startConsumer,
} from "../../shared/mod.ts";
import { ACCOUNTS_TRANSFERS_CONSUMER } from "../../shared/fleet/accounts.ts";
import { TRANSACTIONS_STREAM, type TransferSubmitted } from "../../shared/fleet/transactions.ts";
import { survivePostgresSocketRace } from "./adapters/postgres_socket_race.ts";
import { createApp } from "./app.ts";
import { applyTransfersHandler } from "./handlers/apply_transfers.ts";

const config = loadConfig({
  ...baseShape("accounts", 8081),
  DB_POOL_SIZE: env.positiveInt(10),
  /** Outbox polling fallback, milliseconds. */
  RELAY_POLL_MS: env.positiveInt(50),
  /** How often the outbox is vacuumed (0: leave it to autovacuum). */
  OUTBOX_VACUUM_MS: env.millis(5_000),
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
});
survivePostgresSocketRace(runtime.logger);
// The relay runs here rather than through `bootstrap({ relay: true })` to poll more often: a
// notification that arrives while a pass is running is not remembered, and the next poll
// picks the row up, so the poll interval bounds that delay (1 s by default).
const relay = new OutboxRelay({
  sql: runtime.sql,
  nc: runtime.nats.nc,
  logger: runtime.logger,
  metrics: runtime.metrics,
  pollMs: config.RELAY_POLL_MS,
});
await relay.start();
runtime.lifecycle.defer("outbox relay", () => relay.stop());
runtime.metrics.setOutboxPendingSource(() => relay.pending());
// The outbox is a queue table: every row is deleted seconds after it is written. The relay
// looks up earlier rows of the same aggregate, and a hot account is one aggregate with
// thousands of dead index entries between autovacuum runs (once a minute at best), which
// makes each relay pass slower the longer the burst lasts. Vacuuming the small table often
// keeps that lookup short.
if (config.OUTBOX_VACUUM_MS > 0) {
  const vacuum = setInterval(() => {
    runtime.sql.unsafe("vacuum outbox").catch((err) =>
      runtime.logger.warn("outbox vacuum failed", { error: String(err) })
    );
  }, config.OUTBOX_VACUUM_MS);
  runtime.lifecycle.defer("outbox vacuum", () => clearInterval(vacuum));
}

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
