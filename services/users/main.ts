/** users: the CQRS write side of users (port 8084). */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { fleetCatalog, usersAccess } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { loadUsersConfig, SERVICE } from "./config.ts";

await runService({
  name: SERVICE,
  config: loadUsersConfig(),
  needs: { nats: { catalog: fleetCatalog, access: usersAccess }, postgres: { relay: true } },
  start: async (rt) => ({
    app: createApp({ ...rt, idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET) }),
  }),
});
