/**
 * Streams, consumers and event types of the accounts family. The accounts service owns the
 * ledger: it publishes `account.*` and the outcome of every transfer it applies. Outcomes are
 * published under `transaction.outcome.*` (one subject prefix), so the transactions service
 * can filter them with one subject (nats-server 2.9: one filter per consumer).
 */
import { z } from "zod";
import { defineCatalog } from "@flotilla/backbone";
import { sagaDelivery, TRANSACTIONS_STREAM, TRANSFER_SUBMITTED } from "./transactions.ts";

export const ACCOUNTS_STREAM = "ACCOUNTS";
export const ACCOUNT_CREATED = "account.created";
export const ACCOUNT_UPDATED = "account.updated";
export const TRANSFER_COMPLETED = "transaction.completed";
export const TRANSFER_FAILED = "transaction.failed";
/** The durable that applies submitted transfers to the ledger. */
export const ACCOUNTS_TRANSFERS_CONSUMER = "accounts-transfers";

/** Money on the wire: a decimal string with exactly two fraction digits ("100.50"). */
export const moneyString = z.string().regex(/^\d{1,15}\.\d{2}$/, "expected an amount like 100.50");
const accountId = z.number().int().positive();

/** Why the ledger refused a transfer; the transactions service records it as the failure reason. */
export const failureReasonSchema = z.enum(["insufficient_funds", "account_not_found"]);
export type FailureReason = z.infer<typeof failureReasonSchema>;

export const accountCreatedSchema = z.object({
  account_id: accountId,
  balance: moneyString,
});

export const accountUpdatedSchema = z.object({
  account_id: accountId,
  balance: moneyString,
  previous_balance: moneyString,
  /** Signed change, "-50.25" for a debit. */
  change: z.string().regex(/^-?\d{1,15}\.\d{2}$/),
  transaction_id: z.number().int().positive(),
});

export const transferCompletedSchema = z.object({
  transaction_id: z.number().int().positive(),
  source_account_id: accountId,
  destination_account_id: accountId,
  amount: moneyString,
  source_balance: moneyString,
  destination_balance: moneyString,
});

export const transferFailedSchema = z.object({
  transaction_id: z.number().int().positive(),
  source_account_id: accountId,
  destination_account_id: accountId,
  amount: moneyString,
  reason: failureReasonSchema,
});

export type AccountCreated = z.infer<typeof accountCreatedSchema>;
export type AccountUpdated = z.infer<typeof accountUpdatedSchema>;
export type TransferCompleted = z.infer<typeof transferCompletedSchema>;
export type TransferFailed = z.infer<typeof transferFailedSchema>;
export type TransferOutcome = TransferCompleted | TransferFailed;

export const accountsCatalog = defineCatalog({
  streams: [{
    name: ACCOUNTS_STREAM,
    subjects: ["account.>"],
    description: "Account lifecycle and balance changes, per account (subject = account id)",
    maxAgeMs: 30 * 24 * 3600_000,
  }],
  consumers: [{
    stream: TRANSACTIONS_STREAM,
    durable: ACCOUNTS_TRANSFERS_CONSUMER,
    description: "accounts: applies submitted transfers to the ledger, exactly once",
    filterSubject: TRANSFER_SUBMITTED,
    ...sagaDelivery,
  }],
  events: {
    [ACCOUNT_CREATED]: { schema: accountCreatedSchema, description: "An account was opened" },
    [ACCOUNT_UPDATED]: {
      schema: accountUpdatedSchema,
      description: "An account's balance changed by a transfer",
    },
    [TRANSFER_COMPLETED]: {
      subject: "transaction.outcome.completed",
      schema: transferCompletedSchema,
      description: "The ledger applied a transfer: debit and credit committed together",
    },
    [TRANSFER_FAILED]: {
      subject: "transaction.outcome.failed",
      schema: transferFailedSchema,
      description: "The ledger refused a transfer (insufficient_funds, account_not_found)",
    },
  },
});
