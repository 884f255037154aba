/** accounts: the ledger (port 8081): accounts, their postings, and the transfers the saga submits. */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { accountsAccess, fleetCatalog } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { loadAccountsConfig, SERVICE } from "./config.ts";
import { accountsConsumers } from "./consumers.ts";

const config = loadAccountsConfig();

await runService({
  name: SERVICE,
  config,
  needs: {
    nats: { catalog: fleetCatalog, access: accountsAccess },
    postgres: { relay: true, poolSize: config.DB_POOL_SIZE },
  },
  start: async (rt) => ({
    app: createApp({ ...rt, idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET) }),
    consumers: accountsConsumers(rt, config),
  }),
});
