/** The JSON shape of a transaction, as the original API returned it (plus `reversal_of`). */
import { z } from "@hono/zod-openapi";
import { failureReasonSchema } from "@flotilla/contracts";
import { formatMoney } from "@flotilla/money";
import { type Transaction, transactionStatusSchema } from "./transaction.ts";

export const TransactionSchema = z.object({
  id: z.number().int().openapi({ example: 1 }),
  source_account_id: z.number().int().openapi({ example: 123 }),
  destination_account_id: z.number().int().openapi({ example: 456 }),
  amount: z.string().openapi({ example: "50.25" }),
  status: transactionStatusSchema,
  failure_reason: failureReasonSchema.nullable(),
  reversal_of: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Transaction");

export type TransactionView = z.infer<typeof TransactionSchema>;

export function transactionView(t: Transaction): TransactionView {
  return {
    id: t.id,
    source_account_id: t.sourceAccountId,
    destination_account_id: t.destinationAccountId,
    amount: formatMoney(t.amount),
    status: t.status,
    failure_reason: t.failureReason,
    reversal_of: t.reversalOf,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}
