/**
 * The last step of the transfer saga: the ledger's `transaction.completed` / `transaction.failed`
 * settles the pending transaction (once: a settled one stays as it is), with an audit event in
 * the same Postgres transaction. A completed reversal marks its original `rollback`.
 */
import {
  type Actor,
  auditEvent,
  type BatchHandler,
  type Catalog,
  enqueue,
  type Envelope,
  PermanentError,
  type TransactionSql,
} from "@flotilla/backbone";
import {
  TRANSFER_COMPLETED,
  type TransferCompleted,
  type TransferFailed,
  type TransferOutcome,
} from "@flotilla/contracts";
import { existing, rollbackMany, settleMany } from "../adapters/transactions_repo.ts";
import { settle } from "../domain/transaction.ts";
import { transactionView } from "../routes/view.ts";

const SOURCE = "transactions";
/** Status changes driven by the ledger are made by the system, on the saga's behalf. */
const SAGA_ACTOR: Actor = { type: "system", id: "transfer-saga", ip: null, user_agent: null };

export async function recordOutcomes(
  tx: TransactionSql,
  catalog: Catalog,
  events: Envelope<TransferOutcome>[],
): Promise<void> {
  const outcomes = events.map((e) => {
    const target = e.type === TRANSFER_COMPLETED
      ? settle("pending", { kind: "completed" })!
      : settle("pending", { kind: "failed", reason: (e.data as TransferFailed).reason })!;
    return { id: e.data.transaction_id, ...target };
  });
  const changed = await settleMany(tx, outcomes);
  const changedIds = new Set(changed.map((t) => t.id));
  const unchanged = outcomes.map((o) => o.id).filter((id) => !changedIds.has(id));
  if (unchanged.length > 0) {
    const known = await existing(tx, unchanged);
    const unknown = unchanged.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new PermanentError(
        `Cannot record outcome: transaction ${unknown.join(", ")} does not exist`,
      );
    }
  }
  const byId = new Map(events.map((e) => [e.data.transaction_id, e]));
  const rolledBack = await rollbackMany(
    tx,
    changed.filter((t) => t.status === "complete" && t.reversalOf !== null).map((t) =>
      t.reversalOf!
    ),
  );
  const audits = changed.map((t) => {
    const cause = byId.get(t.id)!;
    const data = cause.data as Partial<TransferCompleted>;
    return auditEvent({
      source: SOURCE,
      actor: SAGA_ACTOR,
      action: t.status === "complete" ? "transaction.completed" : "transaction.failed",
      target: { type: "transaction", id: t.id },
      before: { status: "pending" },
      after: { status: t.status, failure_reason: t.failureReason },
      metadata: {
        source_balance: data.source_balance ?? null,
        destination_balance: data.destination_balance ?? null,
      },
      cause,
    });
  });
  for (const original of rolledBack) {
    const reversal = changed.find((t) => t.reversalOf === original.id)!;
    audits.push(auditEvent({
      source: SOURCE,
      actor: SAGA_ACTOR,
      action: "transaction.rolled_back",
      target: { type: "transaction", id: original.id },
      before: { status: "complete" },
      after: transactionView(original) as unknown as Record<string, unknown>,
      metadata: { reversal_id: reversal.id },
      cause: byId.get(reversal.id)!,
    }));
  }
  await enqueue(tx, catalog, audits);
}

export function recordOutcomesHandler(catalog: Catalog): BatchHandler<TransferOutcome> {
  return (events, ctx) => recordOutcomes(ctx.tx, catalog, events);
}
