/**
 * The ledger step of the transfer saga. A batch of `transaction.submitted` events is applied
 * in one Postgres transaction (the consumer runtime already recorded their ids in the inbox in
 * it): the accounts involved are locked in id order, each transfer is applied or refused in
 * arrival order, postings and balances are written, and the outcome, `account.updated` and
 * audit events go to the outbox in the same transaction.
 */
import {
  type Actor,
  auditEvent,
  type BatchHandler,
  type Catalog,
  createEvent,
  enqueue,
  type Envelope,
  PermanentError,
  type TransactionSql,
} from "@flotilla/backbone";
import {
  ACCOUNT_UPDATED,
  type AccountUpdated,
  TRANSFER_COMPLETED,
  TRANSFER_FAILED,
  type TransferCompleted,
  type TransferFailed,
  type TransferSubmitted,
} from "@flotilla/contracts";
import { decideTransfers, lockOrder, type TransferRequest } from "../domain/ledger.ts";
import { formatMoney, parseMoney } from "@flotilla/money";
import {
  type DecidedTransfer,
  findDecided,
  lockBalances,
  writeDecisions,
} from "../adapters/ledger_repo.ts";

const SOURCE = "accounts";

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

export async function applyTransfers(
  tx: TransactionSql,
  catalog: Catalog,
  events: Envelope<TransferSubmitted>[],
): Promise<void> {
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

  const outgoing: Envelope[] = [];
  for (const d of decisions) {
    const cause = byTransaction.get(d.transfer.transactionId)!;
    if (d.kind === "failed") {
      outgoing.push(failedEvent(cause, d.transfer, d.reason));
      continue;
    }
    const t = d.transfer;
    outgoing.push(completedEvent(cause, {
      transactionId: t.transactionId,
      sourceId: t.sourceId,
      destinationId: t.destinationId,
      amount: t.amount,
      status: "completed",
      reason: null,
      sourceBalance: d.source.after,
      destinationBalance: d.destination.after,
    }));
    const legs = [
      { id: t.sourceId, ...d.source, change: -t.amount, action: "account.debited" },
      { id: t.destinationId, ...d.destination, change: t.amount, action: "account.credited" },
    ];
    for (const leg of legs) {
      outgoing.push(createEvent<AccountUpdated>({
        type: ACCOUNT_UPDATED,
        source: SOURCE,
        subject: leg.id,
        cause,
        data: {
          account_id: leg.id,
          balance: formatMoney(leg.after),
          previous_balance: formatMoney(leg.before),
          change: formatMoney(leg.change),
          transaction_id: t.transactionId,
        },
      }));
      outgoing.push(auditEvent({
        source: SOURCE,
        actor: cause.data.actor as Actor,
        action: leg.action,
        target: { type: "account", id: leg.id },
        before: { balance: formatMoney(leg.before) },
        after: { balance: formatMoney(leg.after) },
        metadata: {
          transaction_id: t.transactionId,
          amount: formatMoney(t.amount),
          reversal_of: cause.data.reversal_of ?? null,
        },
        cause,
      }));
    }
  }
  // Already decided: say it again, so a lost outcome still reaches the transactions service.
  for (const r of requests) {
    const previous = decided.get(r.transactionId);
    if (!previous) continue;
    const cause = byTransaction.get(r.transactionId)!;
    outgoing.push(
      previous.status === "completed"
        ? completedEvent(cause, previous)
        : failedEvent(cause, r, previous.reason ?? "account_not_found"),
    );
  }
  await enqueue(tx, catalog, outgoing);
}

function completedEvent(cause: Envelope<TransferSubmitted>, d: DecidedTransfer): Envelope {
  return createEvent<TransferCompleted>({
    type: TRANSFER_COMPLETED,
    source: SOURCE,
    subject: d.transactionId,
    cause,
    data: {
      transaction_id: d.transactionId,
      source_account_id: d.sourceId,
      destination_account_id: d.destinationId,
      amount: formatMoney(d.amount),
      source_balance: formatMoney(d.sourceBalance ?? 0n),
      destination_balance: formatMoney(d.destinationBalance ?? 0n),
    },
  });
}

function failedEvent(
  cause: Envelope<TransferSubmitted>,
  t: TransferRequest,
  reason: TransferFailed["reason"],
): Envelope {
  return createEvent<TransferFailed>({
    type: TRANSFER_FAILED,
    source: SOURCE,
    subject: t.transactionId,
    cause,
    data: {
      transaction_id: t.transactionId,
      source_account_id: t.sourceId,
      destination_account_id: t.destinationId,
      amount: formatMoney(t.amount),
      reason,
    },
  });
}

export function applyTransfersHandler(catalog: Catalog): BatchHandler<TransferSubmitted> {
  return (events, ctx) => applyTransfers(ctx.tx, catalog, events);
}
