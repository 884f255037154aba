/** The transactions service's HTTP app: `createApp(deps)` for main.ts and for tests. */
import type { KV } from "@nats-io/kv";
import {
  type CommandDeps,
  createHttpApp,
  gatewayTokens,
  idempotency,
  type IdentityVerifier,
  type Logger,
  type Metrics,
  type PostgresGuard,
  postgresGuard,
  type ReadinessCheck,
} from "@flotilla/backbone";
import { type SubmitAdmission, transferSubmissions } from "./commands/submit_transfer.ts";
import { transactionsRoutes } from "./routes/transactions.ts";

export interface TransactionsDeps extends CommandDeps {
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  readiness?: Record<string, ReadinessCheck>;
  /** The idempotency bucket; without it only the database backstop applies. */
  idempotencyKv?: KV;
  /** The breaker in front of Postgres; a fresh one by default. */
  guard?: PostgresGuard;
  /** Backpressure on submissions (see SubmitAdmission); none when absent. */
  admission?: SubmitAdmission;
}

export function createApp(deps: TransactionsDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    ...deps,
    title: "Flotilla transactions",
    description: "Transfers between accounts, settled by a saga with the accounts ledger.",
  });
  if (deps.idempotencyKv) {
    // "/x/*" also matches "/x": one middleware covers submit and reversal.
    app.use(
      "/api/v1/transactions/*",
      idempotency({ kv: deps.idempotencyKv, service: deps.service }),
    );
  }
  const submissions = transferSubmissions(deps);
  deps.metrics.gauge(
    "transfer_submissions_waiting",
    "Submissions waiting for room in the saga (TRANSFER_MAX_PENDING) or for their write",
    [],
    () => submissions.waiting,
  );
  app.route(
    "/api/v1/transactions",
    transactionsRoutes({
      ...deps,
      guard: deps.guard ?? postgresGuard({ metrics: deps.metrics }),
      submissions,
    }),
  );
  return app;
}
