/** The batch handler of `audit.>`: a batch of events becomes one chained append. */
import type { AuditData, BatchHandler, Metrics } from "@flotilla/backbone";
import { storeAuditEvents } from "../commands/store_events.ts";
import type { ChainKeys } from "../domain/chain.ts";

export function ingestHandler(
  deps: { metrics?: Metrics; chainKeys: ChainKeys },
): BatchHandler<AuditData> {
  const stored = deps.metrics?.counter("audit_events_stored_total", "Audit events stored");
  const chainHead = deps.metrics?.gauge("audit_chain_head_seq", "Last seq of the hash chain");
  return async function storeAuditBatch(events, ctx) {
    const { last } = await storeAuditEvents(ctx.tx, events, deps.chainKeys.current);
    stored?.inc(events.length);
    chainHead?.set(last);
  };
}
