/** The batch handler of `audit.>`: a batch of events becomes one chained multi-row insert. */
import type { AuditData, BatchHandler, Metrics } from "../../../shared/mod.ts";
import { appendRecords } from "../adapters/audit_repo.ts";
import { recordFromEvent } from "../domain/record.ts";

export function ingestHandler(deps: { metrics?: Metrics }): BatchHandler<AuditData> {
  const stored = deps.metrics?.counter("audit_events_stored_total", "Audit events stored");
  const chainHead = deps.metrics?.gauge("audit_chain_head_seq", "Last seq of the hash chain");
  return async function storeAuditEvents(events, ctx) {
    const { last } = await appendRecords(ctx.tx, events.map(recordFromEvent));
    stored?.inc(events.length);
    chainHead?.set(last);
  };
}
