/** The accounts service's HTTP app: `createApp(deps)` for main.ts and for tests. */
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
import { accountsRoutes } from "./routes/accounts.ts";

export interface AccountsDeps extends CommandDeps {
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  readiness?: Record<string, ReadinessCheck>;
  /** The idempotency bucket; without it Idempotency-Key is ignored. */
  idempotencyKv?: KV;
  /** The breaker in front of Postgres; a fresh one by default. */
  guard?: PostgresGuard;
}

export function createApp(deps: AccountsDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    ...deps,
    title: "Flotilla accounts",
    description: "Accounts, balances and the postings journal. Money is a decimal string.",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/accounts", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  app.route(
    "/api/v1/accounts",
    accountsRoutes({ ...deps, guard: deps.guard ?? postgresGuard({ metrics: deps.metrics }) }),
  );
  return app;
}
