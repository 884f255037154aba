/**
 * The audit family: every service that changes state emits `audit.recorded` through its
 * outbox, on `audit.<service>.recorded`; the auditlog service consumes `audit.>` into its
 * append-only, keyed hash chain, and signs checkpoints of the chain's head into a stream of
 * their own, outside Postgres.
 */
import { AUDIT_RECORDED, auditDataSchema, auditSubject, defineCatalog } from "@flotilla/backbone";

export const AUDIT_STREAM = "AUDIT";
/** The auditlog service's durable consumer of `audit.>`, shared by its replicas. */
export const AUDITLOG_CONSUMER = "auditlog";
/** Object bucket of audit-log exports (gzip NDJSON). */
export const AUDIT_EXPORTS_BUCKET = "audit-exports";
/** Signed checkpoints of the chain head: append-only (JetStream refuses deletes and purges). */
export const AUDIT_CHECKPOINTS_STREAM = "AUDIT_CHECKPOINTS";
export const AUDIT_CHECKPOINT_SUBJECT = "auditlog.checkpoint";

export const auditCatalog = defineCatalog({
  streams: [{
    name: AUDIT_STREAM,
    subjects: ["audit.>"],
    description: "Audit events from every service: who did what, to what, when, from where",
    maxAgeMs: 30 * 24 * 3600_000,
  }, {
    name: AUDIT_CHECKPOINTS_STREAM,
    subjects: [AUDIT_CHECKPOINT_SUBJECT],
    description: "auditlog: signed checkpoints of the audit chain head (sequence, hash, time)",
    appendOnly: true,
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
    [AUDIT_RECORDED]: {
      subject: auditSubject,
      schema: auditDataSchema,
      description: "One change, for the audit log, on audit.<service>.recorded",
    },
  },
});
