/** The mailer's HTTP app: clients, mailings and statistics on the shared Hono base. */
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
import type { Clock } from "./domain/clock.ts";
import { clientRoutes } from "./routes/clients.ts";
import { mailingRoutes } from "./routes/mailings.ts";

export interface AppDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  sql: Sql;
  catalog: Catalog;
  clock: Clock;
  wakeScheduler: () => void;
  readiness?: Record<string, ReadinessCheck>;
  /** The idempotency bucket; without it, Idempotency-Key is ignored. */
  idempotencyKv?: KV;
}

export function createApp(deps: AppDeps) {
  const app = createHttpApp({
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla mailer",
    description: "Clients, mailing campaigns sent through an external provider, and statistics",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/*", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  app.route("/api/v1/clients", clientRoutes(deps));
  app.route("/api/v1/mailings", mailingRoutes(deps));
  return app;
}
