/**
 * The audit record every change carries: who did it (the actor), what, to what, and the state
 * before and after. Each service emits it through its outbox in the same transaction as the
 * change (see `transact`); the auditlog service stores it in its hash-chained table.
 */
import { z } from "zod";
import { createEvent, type Envelope } from "./envelope.ts";
import { safeText, storableRecord } from "./http/input.ts";

export const AUDIT_RECORDED = "audit.recorded";

/**
 * Audit events travel on a subject that names the service that published them, so NATS
 * permissions let each service publish only its own, and the auditlog can refuse an event
 * whose declared source is not the subject's.
 */
export function auditSubject(source: string): string {
  return `audit.${source}.recorded`;
}

/** The service an audit subject names, or undefined when it names none. */
export function auditSubjectSource(subject: string): string | undefined {
  return /^audit\.([^.]+)\.recorded$/.exec(subject)?.[1];
}

/** Who is acting: a user, a machine client, a service on its own, or nobody known. */
export const actorSchema = z.object({
  type: z.enum(["user", "service", "system", "anonymous"]),
  id: safeText({ min: 1, max: 128 }),
  ip: safeText({ max: 64 }).nullable(),
  user_agent: safeText({ max: 512 }).nullable(),
});
export type Actor = z.infer<typeof actorSchema>;

/** The actor of work a service does on its own (a saga step, a scheduler). */
export function systemActor(id: string): Actor {
  return { type: "system", id, ip: null, user_agent: null };
}

export const auditDataSchema = z.object({
  actor: actorSchema,
  /** What was done, as `<resource>.<verb>`: `account.created`, `transaction.reversed`. */
  action: z.string().regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, "expected <resource>.<verb>")
    .max(64),
  target: z.object({ type: safeText({ min: 1, max: 64 }), id: safeText({ min: 1, max: 128 }) }),
  // Stored as jsonb by the audit log: every string and key in them must be storable.
  changes: z.object({
    before: storableRecord().nullable(),
    after: storableRecord().nullable(),
  }),
  metadata: storableRecord().default({}),
});
export type AuditData = z.infer<typeof auditDataSchema>;

export interface AuditChange {
  action: string;
  target: { type: string; id: string | number };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
}

/** Builds the audit event of one change; enqueue it in the same transaction as the change. */
export function auditEvent(
  input: AuditChange & {
    source: string;
    actor: Actor;
    cause?: { id: string; correlation_id: string } | { correlationId: string };
  },
): Envelope<AuditData> {
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
