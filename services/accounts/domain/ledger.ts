/**
 * The ledger's one decision: given the balances of the accounts involved (locked by the
 * caller) and a list of transfers in arrival order, which transfers apply and what each
 * account's balance becomes. Pure: no I/O, so it is tested on its own.
 */
import type { FailureReason } from "@flotilla/contracts";
import type { Cents } from "@flotilla/money";

export interface TransferRequest {
  transactionId: number;
  sourceId: number;
  destinationId: number;
  amount: Cents;
}

export type TransferDecision =
  | {
    kind: "completed";
    transfer: TransferRequest;
    source: { before: Cents; after: Cents };
    destination: { before: Cents; after: Cents };
  }
  | { kind: "failed"; transfer: TransferRequest; reason: FailureReason };

/**
 * Applies transfers one after another to `balances` (account id → cents; a missing id is an
 * account that does not exist). Returns one decision per transfer and the final balances.
 * A transfer never takes a balance below zero, and each moves exactly `amount` from one
 * account to the other, so the sum of balances does not change.
 */
export function decideTransfers(
  balances: ReadonlyMap<number, Cents>,
  transfers: readonly TransferRequest[],
): { decisions: TransferDecision[]; balances: Map<number, Cents> } {
  const current = new Map(balances);
  const decisions: TransferDecision[] = [];
  for (const transfer of transfers) {
    if (transfer.amount <= 0n || transfer.sourceId === transfer.destinationId) {
      throw new RangeError(
        `Cannot apply transfer ${transfer.transactionId}: amount must be positive and accounts distinct`,
      );
    }
    const source = current.get(transfer.sourceId);
    const destination = current.get(transfer.destinationId);
    if (source === undefined || destination === undefined) {
      decisions.push({ kind: "failed", transfer, reason: "account_not_found" });
      continue;
    }
    if (source < transfer.amount) {
      decisions.push({ kind: "failed", transfer, reason: "insufficient_funds" });
      continue;
    }
    const sourceAfter = source - transfer.amount;
    const destinationAfter = destination + transfer.amount;
    current.set(transfer.sourceId, sourceAfter);
    current.set(transfer.destinationId, destinationAfter);
    decisions.push({
      kind: "completed",
      transfer,
      source: { before: source, after: sourceAfter },
      destination: { before: destination, after: destinationAfter },
    });
  }
  return { decisions, balances: current };
}

/** Accounts touched by the transfers, in id order: the order their rows are locked in. */
export function lockOrder(transfers: readonly TransferRequest[]): number[] {
  const ids = new Set<number>();
  for (const t of transfers) ids.add(t.sourceId).add(t.destinationId);
  return [...ids].sort((a, b) => a - b);
}
