/**
 * The audit family: every service that changes state emits `audit.recorded` through its
 * outbox; the auditlog service consumes `audit.>` into its append-only, hash-chained table.
 */
import { z } from "zod";
import { defineCatalog } from "../catalog.ts";
import { createEvent, type Envelope } from "../envelope.ts";

export const AUDIT_STREAM = "AUDIT";
export const AUDIT_RECORDED = "audit.recorded";
/** The auditlog service's durable consumer of `audit.>`, shared by its replicas. */
export const AUDITLOG_CONSUMER = "auditlog";
/** Object bucket of audit-log exports (gzip NDJSON). */
export const AUDIT_EXPORTS_BUCKET = "audit-exports";

export const auditActorSchema = z.object({
  type: z.enum(["user", "service", "system", "anonymous"]),
  id: z.string().min(1).max(128),
  ip: z.string().max(64).nullable(),
  user_agent: z.string().max(512).nullable(),
});
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditDataSchema = z.object({
  actor: auditActorSchema,
  /** What was done, as `<resource>.<verb>`: `account.created`, `transaction.reversed`. */
  action: z.string().regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, "expected <resource>.<verb>")
    .max(64),
  target: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(128) }),
  changes: z.object({
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type AuditData = z.infer<typeof auditDataSchema>;

export const auditCatalog = defineCatalog({
  streams: [{
    name: AUDIT_STREAM,
    subjects: ["audit.>"],
    description: "Audit events from every service: who did what, to what, when, from where",
    maxAgeMs: 30 * 24 * 3600_000,
  }],
  consumers: [{
    stream: AUDIT_STREAM,
    durable: AUDITLOG_CONSUMER,
    description: "auditlog: stores every audit event in its hash-chained table",
    filterSubject: "audit.>",
    // A batch takes milliseconds; a replica that dies gives its batch back within 10 s.
    ackWaitMs: 10_000,
    maxDeliveries: 5,
    // Up to 2 pipelines x 2 batches of 1,000 in hand per replica, a few replicas.
    maxAckPending: 10_000,
    backoff: { baseMs: 500, maxMs: 30_000 },
  }],
  objects: [{
    bucket: AUDIT_EXPORTS_BUCKET,
    description: "Audit-log exports: gzip NDJSON, one object per export",
  }],
  events: {
    [AUDIT_RECORDED]: { schema: auditDataSchema, description: "One change, for the audit log" },
  },
});

/** Builds the audit event for a change; enqueue it in the same transaction as the change. */
export function auditEvent(input: {
  source: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string | number };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
  cause?: { id: string; correlation_id: string } | { correlationId: string };
}): Envelope<AuditData> {
  return createEvent<AuditData>({
    type: AUDIT_RECORDED,
    source: input.source,
    subject: `${input.target.type}:${input.target.id}`,
    cause: input.cause,
    data: {
      actor: input.actor,
      action: input.action,
      target: { type: input.target.type, id: String(input.target.id) },
      changes: { before: input.before ?? null, after: input.after ?? null },
      metadata: input.metadata ?? {},
    },
  });
}
