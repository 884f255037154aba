/** transactions: transfers between accounts (port 8082), settled by a saga with the ledger. */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { fleetCatalog, transactionsAccess } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { loadTransactionsConfig, SERVICE } from "./config.ts";
import { transactionsConsumers } from "./consumers.ts";

const config = loadTransactionsConfig();

await runService({
  name: SERVICE,
  config,
  needs: {
    nats: { catalog: fleetCatalog, access: transactionsAccess },
    postgres: { relay: true, poolSize: config.DB_POOL_SIZE },
  },
  start: async (rt) => ({
    app: createApp({
      ...rt,
      idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET),
      admission: config.TRANSFER_MAX_PENDING > 0
        ? { maxPending: config.TRANSFER_MAX_PENDING, maxWaitMs: config.TRANSFER_ADMISSION_WAIT_MS }
        : undefined,
    }),
    consumers: transactionsConsumers(rt, config),
  }),
});
