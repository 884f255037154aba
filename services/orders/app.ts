/** The orders HTTP app: the API, the page, and the backbone's health, metrics and docs. */
import {
  createHttpApp,
  gatewayTokens,
  type IdentityVerifier,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from "@flotilla/backbone";
import type { OrderReads } from "./queries/order_reads.ts";
import { ordersRoutes } from "./routes/orders_api.ts";
import { pageRoutes } from "./routes/page.tsx";

export interface AppDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  readiness?: Record<string, ReadinessCheck>;
  reads: OrderReads;
}

export function createApp(deps: AppDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla orders",
    description: "WB order tracker: orders ingested from JetStream, cached in KV, served by id",
  });
  app.route("/api/v1/orders", ordersRoutes(deps.reads));
  app.route("/", pageRoutes(deps.reads));
  return app;
}
