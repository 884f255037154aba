/**
 * The last step of the transfer saga: the ledger's `transaction.completed` / `transaction.failed`
 * settles the pending transaction (once: a settled one stays as it is), with an audit event in
 * the consumer's Postgres transaction. A completed reversal marks its original `rollback`.
 */
import {
  type CommandDeps,
  type CommandMeta,
  emitting,
  type Envelope,
  PermanentError,
  systemActor,
  type TransactionSql,
} from "@flotilla/backbone";
import {
  TRANSFER_COMPLETED,
  type TransferCompleted,
  type TransferFailed,
  type TransferOutcome,
} from "@flotilla/contracts";
import { existing, rollbackMany, settleMany } from "../adapters/transactions_repo.ts";
import { settle, type Transaction } from "../domain/transaction.ts";
import { transactionView } from "../domain/view.ts";

/** Status changes driven by the ledger are made by the system, on the saga's behalf. */
const SAGA_ACTOR = systemActor("transfer-saga");
/** A batch has no cause of its own: everything it emits follows from one of its outcomes. */
const BATCH: CommandMeta = { actor: SAGA_ACTOR, correlationId: "outcome-batch" };

/** Resolves with the transactions this batch settled (those still pending before it). */
export function recordOutcomes(
  deps: Pick<CommandDeps, "catalog" | "service">,
  tx: TransactionSql,
  events: Envelope<TransferOutcome>[],
): Promise<Transaction[]> {
  return emitting(tx, deps, BATCH, async (tx, emit) => {
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
    const causedBy = (id: number) => {
      const cause = byId.get(id)!;
      return emit.for({ actor: SAGA_ACTOR, correlationId: cause.correlation_id, cause });
    };
    const rolledBack = await rollbackMany(
      tx,
      changed.filter((t) => t.status === "complete" && t.reversalOf !== null).map((t) =>
        t.reversalOf!
      ),
    );
    for (const t of changed) {
      const data = byId.get(t.id)!.data as Partial<TransferCompleted>;
      causedBy(t.id).audit({
        action: t.status === "complete" ? "transaction.completed" : "transaction.failed",
        target: { type: "transaction", id: t.id },
        before: { status: "pending" },
        after: { status: t.status, failure_reason: t.failureReason },
        metadata: {
          source_balance: data.source_balance ?? null,
          destination_balance: data.destination_balance ?? null,
        },
      });
    }
    for (const original of rolledBack) {
      const reversal = changed.find((t) => t.reversalOf === original.id)!;
      causedBy(reversal.id).audit({
        action: "transaction.rolled_back",
        target: { type: "transaction", id: original.id },
        before: { status: "complete" },
        after: transactionView(original),
        metadata: { reversal_id: reversal.id },
      });
    }
    return changed;
  });
}
