/** The users service's HTTP app: `createApp(deps)` for main.ts and for tests. */
import type { KV } from "@nats-io/kv";
import {
  type CommandDeps,
  createHttpApp,
  gatewayTokens,
  idempotency,
  type IdentityVerifier,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from "@flotilla/backbone";
import { usersRoutes } from "./routes/users.ts";

export interface UsersDeps extends CommandDeps {
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  /** The idempotency bucket; without it Idempotency-Key is ignored. */
  idempotencyKv?: KV;
  readiness?: Record<string, ReadinessCheck>;
  /** Microseconds since the epoch. */
  now?: () => number;
}

export function createApp(deps: UsersDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla users",
    description: "Users (CQRS write side); publishes user.created and user.updated",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/users", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  app.route("/api/v1/users", usersRoutes({ ...deps, now: deps.now ?? (() => Date.now() * 1000) }));
  return app;
}
