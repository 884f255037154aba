/** The mailer's HTTP app: `createApp(deps)` for the service and for tests. */
import type { KV } from "@nats-io/kv";
import {
  createHttpApp,
  gatewayTokens,
  idempotency,
  type IdentityVerifier,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from "@flotilla/backbone";
import { clientRoutes } from "./routes/clients.ts";
import { type MailingRouteDeps, mailingRoutes } from "./routes/mailings.ts";

export interface MailerDeps extends MailingRouteDeps {
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  /** The idempotency bucket; without it Idempotency-Key is ignored. */
  idempotencyKv?: KV;
  readiness?: Record<string, ReadinessCheck>;
}

export function createApp(deps: MailerDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
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
