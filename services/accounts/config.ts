/** The accounts service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "accounts";

export function loadAccountsConfig(source?: Record<string, string | undefined>) {
  return loadConfig({
    ...baseShape(SERVICE, 8081),
    DB_POOL_SIZE: env.positiveInt(10),
    /** Transfers applied per Postgres transaction, at most. */
    TRANSFER_BATCH_SIZE: env.positiveInt(200),
    /** How long a partial batch waits for more transfers. */
    TRANSFER_BATCH_WAIT_MS: env.millis(2),
  }, source);
}

export type AccountsConfig = ReturnType<typeof loadAccountsConfig>;
