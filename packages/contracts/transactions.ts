/**
 * Streams, consumers and event types of the transactions family. The transactions service
 * publishes `transaction.submitted`; the accounts service answers on `transaction.outcome.*`
 * (declared in accounts.ts), which this family's durable consumes.
 */
import { z } from "zod";
import { actorSchema, defineCatalog } from "@flotilla/backbone";

export const TRANSACTIONS_STREAM = "TRANSACTIONS";
export const TRANSFER_SUBMITTED = "transaction.submitted";
export const TRANSFER_OUTCOME_SUBJECTS = "transaction.outcome.>";
/** The durable that records the final status of every transfer. */
export const TRANSACTIONS_OUTCOMES_CONSUMER = "transactions-outcomes";

/**
 * How the saga's two durables are delivered. The ack wait is short: a crashed replica's
 * messages come back within seconds; the runtime keeps slow work alive.
 */
export const sagaDelivery = {
  ackWaitMs: 5_000,
  maxDeliveries: 10,
  maxAckPending: 2_000,
  backoff: { baseMs: 200, maxMs: 10_000 },
};

export const transferSubmittedSchema = z.object({
  transaction_id: z.number().int().positive(),
  source_account_id: z.number().int().positive(),
  destination_account_id: z.number().int().positive(),
  amount: z.string().regex(/^\d{1,15}\.\d{2}$/, "expected an amount like 100.50"),
  /** Set for a compensating transfer: the transaction it reverses. */
  reversal_of: z.number().int().positive().nullable().default(null),
  /** Who asked for it, for the audit events of the ledger changes. */
  actor: actorSchema,
});
export type TransferSubmitted = z.infer<typeof transferSubmittedSchema>;

export const transactionsCatalog = defineCatalog({
  streams: [{
    name: TRANSACTIONS_STREAM,
    subjects: ["transaction.>"],
    description: "Transfer saga: transaction.submitted and transaction.outcome.{completed,failed}",
    maxAgeMs: 30 * 24 * 3600_000,
  }],
  consumers: [{
    stream: TRANSACTIONS_STREAM,
    durable: TRANSACTIONS_OUTCOMES_CONSUMER,
    description: "transactions: records the final status of each transfer",
    filterSubject: TRANSFER_OUTCOME_SUBJECTS,
    ...sagaDelivery,
  }],
  events: {
    [TRANSFER_SUBMITTED]: {
      schema: transferSubmittedSchema,
      description: "A transfer was requested; the ledger applies or refuses it",
    },
  },
});
