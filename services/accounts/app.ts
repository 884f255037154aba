/** The accounts HTTP app: built by main.ts with real adapters, by tests with test ones. */
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
import { type PostgresGuard, postgresGuard } from "./adapters/postgres_guard.ts";
import { accountsRoutes } from "./routes/accounts.ts";

export interface AccountsDeps {
  service?: string;
  sql: Sql;
  catalog: Catalog;
  logger: Logger;
  metrics: Metrics;
  readiness?: Record<string, ReadinessCheck>;
  /** The `idempotency` KV bucket; without it `Idempotency-Key` is ignored. */
  idempotencyKv?: KV;
  guard?: PostgresGuard;
}

export function createApp(deps: AccountsDeps) {
  const service = deps.service ?? "accounts";
  const app = createHttpApp({
    service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla accounts",
    description: "Accounts, balances and the postings journal. Money is a decimal string.",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/accounts", idempotency({ kv: deps.idempotencyKv, service }));
  }
  app.route(
    "/api/v1/accounts",
    accountsRoutes({
      sql: deps.sql,
      catalog: deps.catalog,
      guard: deps.guard ?? postgresGuard(),
      service,
    }),
  );
  return app;
}
