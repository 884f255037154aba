/** Request and response schemas shared by the audit-log routes (they also make /openapi.json). */
import { z } from "@hono/zod-openapi";
import { queryInteger, safeText } from "@flotilla/backbone";

const text = (max: number, example: string) =>
  safeText({ min: 1, max }).optional().openapi({ example });
const instant = (description: string) =>
  z.iso.datetime({ offset: true }).optional().openapi({
    description,
    example: "2026-01-01T00:00:00Z",
  });

export const filterShape = {
  actor_id: text(128, "user-42"),
  action: text(64, "account.created"),
  target_type: text(64, "account"),
  target_id: text(128, "17"),
  service: text(64, "accounts"),
  correlation_id: text(128, "0190f0c2-8d52-7a3e-9d1e-3c1b2a4f5e6d"),
  from: instant("occurred_at at or after this instant"),
  to: instant("occurred_at before this instant"),
};

export const filtersSchema = z.object(filterShape).strict();

export const listQuerySchema = z.object({
  ...filterShape,
  limit: queryInteger({ min: 1, max: 500, default: 50 }).openapi({ example: 50 }),
  cursor: safeText({ max: 200 }).optional().openapi({
    description: "next_cursor of the previous page",
  }),
});

export const auditLogSchema = z.object({
  id: z.string().openapi({ description: "The event id" }),
  seq: z.number().int().openapi({ description: "Position in the hash chain" }),
  occurred_at: z.string(),
  recorded_at: z.string(),
  actor: z.object({
    type: z.string(),
    id: z.string(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  service: z.string(),
  correlation_id: z.string(),
  causation_id: z.string().nullable(),
  changes: z.object({
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
  /** The chain key that hashed it; null for rows from before the chain was keyed. */
  key_id: z.string().nullable(),
}).openapi("AuditLog");

export const pageSchema = z.object({
  data: z.array(auditLogSchema),
  next_cursor: z.string().nullable(),
}).openapi("AuditLogPage");

const checkpointSchema = z.object({ seq: z.number().int(), hash: z.string(), time: z.string() });

export const verifySchema = z.object({
  ok: z.boolean(),
  rows_checked: z.number().int(),
  head: z.object({ seq: z.number().int(), hash: z.string() }),
  first_break: z.object({
    seq: z.number().int(),
    event_id: z.string().nullable(),
    reason: z.enum(["altered", "removed", "relinked", "tail_removed", "unknown_key"]),
    detail: z.string(),
  }).nullable(),
  checkpoints: z.object({
    checked: z.number().int(),
    last_matching: checkpointSchema.nullable(),
    first_mismatch: checkpointSchema.extend({ detail: z.string() }).nullable(),
  }),
}).openapi("AuditChainReport");

export const exportSchema = z.object({
  id: z.string(),
  status: z.enum(["pending", "running", "completed", "failed"]),
  filters: z.record(z.string(), z.string()),
  requested_by: z.string().nullable(),
  bucket: z.string(),
  object_name: z.string(),
  row_count: z.number().int().nullable(),
  size_bytes: z.number().int().nullable(),
  digest: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  links: z.object({ self: z.string(), download: z.string() }),
}).openapi("AuditExport");

export const problemJson = {
  "application/problem+json": { schema: z.object({}).passthrough() },
};
