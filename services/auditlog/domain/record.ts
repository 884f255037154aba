/** An audit record: what the log stores of one `audit.recorded` event. */
import type { AuditData, Envelope } from "@flotilla/backbone";

export interface AuditRecord {
  event_id: string;
  /** The envelope's time, RFC 3339 in UTC with milliseconds. */
  occurred_at: string;
  actor: AuditData["actor"];
  action: string;
  target: { type: string; id: string };
  /** The envelope's source: the service that made the change. */
  service: string;
  correlation_id: string;
  causation_id: string | null;
  changes: AuditData["changes"];
  metadata: Record<string, unknown>;
}

export function recordFromEvent(event: Envelope<AuditData>): AuditRecord {
  const { data } = event;
  return {
    event_id: event.id,
    occurred_at: new Date(event.time).toISOString(),
    actor: {
      type: data.actor.type,
      id: data.actor.id,
      ip: data.actor.ip ?? null,
      user_agent: data.actor.user_agent ?? null,
    },
    action: data.action,
    target: { type: data.target.type, id: data.target.id },
    service: event.source,
    correlation_id: event.correlation_id,
    causation_id: event.causation_id ?? null,
    changes: { before: data.changes.before ?? null, after: data.changes.after ?? null },
    metadata: data.metadata ?? {},
  };
}
