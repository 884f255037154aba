/**
 * Storing a batch of audit events: their records appended to the keyed chain in one insert,
 * inside the caller's transaction (the consumer's, which also holds the batch's inbox rows),
 * so a batch is stored exactly once or not at all. It emits nothing: each event already
 * carries its own actor and cause.
 */
import type { AuditData, Envelope, TransactionSql } from "@flotilla/backbone";
import { appendRecords } from "../adapters/audit_repo.ts";
import type { ChainKey } from "../domain/chain.ts";
import { recordFromEvent } from "../domain/record.ts";

export function storeAuditEvents(
  tx: TransactionSql,
  events: Envelope<AuditData>[],
  key: ChainKey,
): Promise<{ first: number; last: number }> {
  return appendRecords(tx, events.map(recordFromEvent), key);
}
