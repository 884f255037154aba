/**
 * The audit family: every service that changes state emits `audit.recorded` through its
 * outbox; the auditlog service consumes `audit.>` into its append-only, hash-chained table.
 */
import { z } from "zod";
import { defineCatalog } from "../catalog.ts";
import { createEvent, type Envelope } from "../envelope.ts";

export const AUDIT_STREAM = "AUDIT";
export const AUDIT_RECORDED = "audit.recorded";

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
