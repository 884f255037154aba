/**
 * The ledger step of the transfer saga. A batch of `transaction.submitted` events is applied
 * in the consumer's Postgres transaction (the consumer runtime already recorded their ids in
 * the inbox in it): the accounts involved are locked in id order, each transfer is applied or
 * refused in arrival order, postings and balances are written, and the outcome,
 * `account.updated` and audit events go to the outbox in the same transaction, each caused by
 * its own transfer.
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
  ACCOUNT_UPDATED,
  type AccountUpdated,
  type FailureReason,
  TRANSFER_COMPLETED,
  TRANSFER_FAILED,
  type TransferCompleted,
  type TransferFailed,
  type TransferSubmitted,
} from "@flotilla/contracts";
import { formatMoney, parseMoney } from "@flotilla/money";
import {
  type DecidedTransfer,
  findDecided,
  lockBalances,
  writeDecisions,
} from "../adapters/ledger_repo.ts";
import { decideTransfers, lockOrder, type TransferRequest } from "../domain/ledger.ts";

/** A batch has no cause of its own: everything it emits follows from one of its transfers. */
const BATCH: CommandMeta = { actor: systemActor("ledger"), correlationId: "ledger-batch" };

export function applyTransfers(
  deps: Pick<CommandDeps, "catalog" | "service">,
  tx: TransactionSql,
  events: Envelope<TransferSubmitted>[],
): Promise<void> {
  return emitting(tx, deps, BATCH, async (tx, emit) => {
    // One decision per transaction id, whatever reached us twice under different event ids.
    const byTransaction = new Map<number, Envelope<TransferSubmitted>>();
    for (const e of events) {
      if (!byTransaction.has(e.data.transaction_id)) byTransaction.set(e.data.transaction_id, e);
    }
    const requests = [...byTransaction.values()].map(toRequest);
    const balances = await lockBalances(tx, lockOrder(requests));
    const decided = await findDecided(tx, requests.map((r) => r.transactionId));
    const fresh = requests.filter((r) => !decided.has(r.transactionId));
    const { decisions, balances: after } = decideTransfers(balances, fresh);
    await writeDecisions(tx, decisions, after);

    const causedBy = (transactionId: number) => {
      const cause = byTransaction.get(transactionId)!;
      return emit.for({ actor: cause.data.actor, correlationId: cause.correlation_id, cause });
    };
    for (const d of decisions) {
      const t = d.transfer;
      const item = causedBy(t.transactionId);
      if (d.kind === "failed") {
        item.event<TransferFailed>(TRANSFER_FAILED, t.transactionId, failed(t, d.reason));
        continue;
      }
      item.event<TransferCompleted>(
        TRANSFER_COMPLETED,
        t.transactionId,
        completed({
          ...t,
          status: "completed",
          reason: null,
          sourceBalance: d.source.after,
          destinationBalance: d.destination.after,
        }),
      );
      const legs = [
        { id: t.sourceId, ...d.source, change: -t.amount, action: "account.debited" },
        { id: t.destinationId, ...d.destination, change: t.amount, action: "account.credited" },
      ];
      for (const leg of legs) {
        item.event<AccountUpdated>(ACCOUNT_UPDATED, leg.id, {
          account_id: leg.id,
          balance: formatMoney(leg.after),
          previous_balance: formatMoney(leg.before),
          change: formatMoney(leg.change),
          transaction_id: t.transactionId,
        });
        item.audit({
          action: leg.action,
          target: { type: "account", id: leg.id },
          before: { balance: formatMoney(leg.before) },
          after: { balance: formatMoney(leg.after) },
          metadata: {
            transaction_id: t.transactionId,
            amount: formatMoney(t.amount),
            reversal_of: byTransaction.get(t.transactionId)!.data.reversal_of ?? null,
          },
        });
      }
    }
    // Already decided: say it again, so a lost outcome still reaches the transactions service.
    for (const r of requests) {
      const previous = decided.get(r.transactionId);
      if (!previous) continue;
      const item = causedBy(r.transactionId);
      if (previous.status === "completed") {
        item.event<TransferCompleted>(TRANSFER_COMPLETED, r.transactionId, completed(previous));
      } else {
        const reason = previous.reason ?? "account_not_found";
        item.event<TransferFailed>(TRANSFER_FAILED, r.transactionId, failed(r, reason));
      }
    }
  });
}

function toRequest(event: Envelope<TransferSubmitted>): TransferRequest {
  const d = event.data;
  const amount = parseMoney(d.amount);
  if (!amount.ok || amount.cents <= 0n) {
    throw new PermanentError(
      `Cannot apply transaction ${d.transaction_id}: amount must be positive, got "${d.amount}"`,
    );
  }
  if (d.source_account_id === d.destination_account_id) {
    throw new PermanentError(
      `Cannot apply transaction ${d.transaction_id}: source and destination are both ${d.source_account_id}`,
    );
  }
  return {
    transactionId: d.transaction_id,
    sourceId: d.source_account_id,
    destinationId: d.destination_account_id,
    amount: amount.cents,
  };
}

function completed(d: DecidedTransfer): TransferCompleted {
  return {
    transaction_id: d.transactionId,
    source_account_id: d.sourceId,
    destination_account_id: d.destinationId,
    amount: formatMoney(d.amount),
    source_balance: formatMoney(d.sourceBalance ?? 0n),
    destination_balance: formatMoney(d.destinationBalance ?? 0n),
  };
}

function failed(t: TransferRequest, reason: FailureReason): TransferFailed {
  return {
    transaction_id: t.transactionId,
    source_account_id: t.sourceId,
    destination_account_id: t.destinationId,
    amount: formatMoney(t.amount),
    reason,
  };
}
