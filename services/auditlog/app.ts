/** The auditlog HTTP app: queries, chain verification and exports under /api/v1/audit-logs. */
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";
import {
  createHttpApp,
  idempotency,
  type Logger,
  type Metrics,
  type ReadinessCheck,
  type Sql,
} from "@flotilla/backbone";
import { auditLogByIdRoute, auditLogRoutes } from "./routes/audit_logs.ts";
import { exportRoutes } from "./routes/exports.ts";

export interface AppDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  sql: Sql;
  /** The `audit-exports` object bucket. */
  exportsBucket: () => Promise<ObjectStore>;
  readiness?: Record<string, ReadinessCheck>;
  /** Enables `Idempotency-Key` on POSTs. */
  idempotencyKv?: KV;
  onExportRequested?: () => void;
}

export function createApp(deps: AppDeps) {
  const app = createHttpApp({
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla auditlog",
    description: "Every change in the fleet: who did what, to what, when and from where. " +
      "Append-only and hash-chained; exports go to the object bucket audit-exports.",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/*", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  const base = "/api/v1/audit-logs";
  app.route(
    `${base}/exports`,
    exportRoutes({
      sql: deps.sql,
      bucket: deps.exportsBucket,
      onRequested: deps.onExportRequested,
    }),
  );
  app.route(base, auditLogRoutes({ sql: deps.sql }));
  app.route(base, auditLogByIdRoute({ sql: deps.sql }));
  return app;
}
