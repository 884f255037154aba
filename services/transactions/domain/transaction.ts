/**
 * A transfer request and the rules of its status: pending → complete | failed, and a complete
 * transfer → rollback once its compensating transfer completes. Pure, no I/O.
 */
import { z } from "@hono/zod-openapi";
import type { FailureReason } from "@flotilla/contracts";
import type { Cents } from "@flotilla/money";

export const transactionStatusSchema = z.enum(["pending", "complete", "failed", "rollback"]);
export type TransactionStatus = z.infer<typeof transactionStatusSchema>;

export interface Transaction {
  id: number;
  sourceAccountId: number;
  destinationAccountId: number;
  amount: Cents;
  status: TransactionStatus;
  failureReason: FailureReason | null;
  reversalOf: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Why a transaction cannot be reversed, or undefined when it can. */
export function reversalRefusal(
  original: Pick<Transaction, "id" | "status">,
  openReversal: boolean,
): string | undefined {
  if (original.status !== "complete") {
    return `Cannot reverse transaction ${original.id}: only a complete transaction can be reversed, its status is "${original.status}"`;
  }
  if (openReversal) {
    return `Cannot reverse transaction ${original.id}: a reversal is already pending or done`;
  }
  return undefined;
}

/** The compensating transfer: the same amount, back from the destination to the source. */
export function compensation(original: Transaction) {
  return {
    sourceAccountId: original.destinationAccountId,
    destinationAccountId: original.sourceAccountId,
    amount: original.amount,
    reversalOf: original.id,
  };
}

/** The status a ledger outcome gives a transaction; only a pending one changes. */
export function settle(
  current: TransactionStatus,
  outcome: { kind: "completed" } | { kind: "failed"; reason: FailureReason },
): { status: TransactionStatus; failureReason: FailureReason | null } | undefined {
  if (current !== "pending") return undefined;
  return outcome.kind === "completed"
    ? { status: "complete", failureReason: null }
    : { status: "failed", failureReason: outcome.reason };
}
