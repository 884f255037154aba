/** The transactions service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "transactions";

export function loadTransactionsConfig(source?: Record<string, string | undefined>) {
  return loadConfig({
    ...baseShape(SERVICE, 8082),
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
  }, source);
}

export type TransactionsConfig = ReturnType<typeof loadTransactionsConfig>;
