/** The transactions HTTP app: built by main.ts with real adapters, by tests with test ones. */
import type { KV } from "@nats-io/kv";
import {
  type Catalog,
  createHttpApp,
  idempotency,
  type Logger,
  type Metrics,
  type ReadinessCheck,
  type Sql,
} from "@flotilla/backbone";
import { type PostgresGuard, postgresGuard } from "../accounts/adapters/postgres_guard.ts";
import { type SubmitAdmission, transactionsRoutes } from "./routes/transactions.ts";

export interface TransactionsDeps {
  service?: string;
  sql: Sql;
  catalog: Catalog;
  logger: Logger;
  metrics: Metrics;
  readiness?: Record<string, ReadinessCheck>;
  /** The `idempotency` KV bucket; without it only the database backstop applies. */
  idempotencyKv?: KV;
  guard?: PostgresGuard;
  /** Backpressure on submissions (see SubmitAdmission); none when absent. */
  admission?: SubmitAdmission;
}

export function createApp(deps: TransactionsDeps) {
  const service = deps.service ?? "transactions";
  const app = createHttpApp({
    service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla transactions",
    description: "Transfers between accounts, settled by a saga with the accounts ledger.",
  });
  if (deps.idempotencyKv) {
    // "/x/*" also matches "/x": one middleware covers submit and reversal.
    app.use("/api/v1/transactions/*", idempotency({ kv: deps.idempotencyKv, service }));
  }
  app.route(
    "/api/v1/transactions",
    transactionsRoutes({
      sql: deps.sql,
      catalog: deps.catalog,
      guard: deps.guard ?? postgresGuard(),
      service,
      admission: deps.admission,
      metrics: deps.metrics,
    }),
  );
  return app;
}
