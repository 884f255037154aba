/** The auditlog HTTP app: queries, chain verification and exports under /api/v1/audit-logs. */
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";
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
import type { CheckpointStore } from "./adapters/checkpoints.ts";
import type { ChainKeys } from "./domain/chain.ts";
import type { CheckpointKeys } from "./domain/checkpoint.ts";
import { auditLogByIdRoute, auditLogRoutes } from "./routes/audit_logs.ts";
import { exportRoutes } from "./routes/exports.ts";

export interface AuditlogDeps extends CommandDeps {
  logger: Logger;
  metrics: Metrics;
  /** Verifies the gateway's token on every request. */
  identity: IdentityVerifier;
  /** The `audit-exports` object bucket. */
  exportsBucket: () => Promise<ObjectStore>;
  readiness?: Record<string, ReadinessCheck>;
  /** Enables `Idempotency-Key` on POSTs. */
  idempotencyKv?: KV;
  /** Nudges this replica's export worker (the others hear the NOTIFY). */
  onExportRequested?: () => void;
  /** What verification checks the chain and its checkpoints with. */
  chainKeys: ChainKeys;
  checkpointKeys: CheckpointKeys;
  checkpoints: CheckpointStore;
}

export function createApp(deps: AuditlogDeps) {
  const app = createHttpApp({
    authenticator: gatewayTokens(deps.identity),
    service: deps.service,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    title: "Flotilla auditlog",
    description: "Every change in the fleet: who did what, to what, when and from where. " +
      "Append-only and hash-chained with a key the database does not hold; the chain head is " +
      "checkpointed, signed, outside the database; exports go to the object bucket audit-exports.",
  });
  if (deps.idempotencyKv) {
    app.use("/api/v1/*", idempotency({ kv: deps.idempotencyKv, service: deps.service }));
  }
  const base = "/api/v1/audit-logs";
  app.route(`${base}/exports`, exportRoutes(deps));
  app.route(base, auditLogRoutes(deps));
  app.route(base, auditLogByIdRoute(deps));
  return app;
}
