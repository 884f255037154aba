/**
 * Submitting transfers: pending rows with their `transaction.submitted` and audit events.
 * Submissions from concurrent requests are committed together (group commit, see Batcher),
 * and, with an admission policy, wait while the saga already holds enough pending transfers.
 */
import {
  type Admission,
  Batcher,
  type CommandDeps,
  type CommandMeta,
  type Emitter,
  type Sql,
  systemActor,
  transact,
  type TransactionSql,
} from "@flotilla/backbone";
import { TRANSFER_SUBMITTED, type TransferSubmitted } from "@flotilla/contracts";
import { formatMoney } from "@flotilla/money";
import { countPending, insertMany, type NewTransaction } from "../adapters/transactions_repo.ts";
import type { Transaction } from "../domain/transaction.ts";
import { transactionView } from "../domain/view.ts";

/** A request's meta, with its id for the audit record. */
export type RequestMeta = CommandMeta & { requestId: string };

export interface Submission {
  input: NewTransaction;
  meta: RequestMeta;
  /** The audit action: `transaction.submitted`, `transaction.reversal_requested`. */
  action: string;
}

export interface Submitted {
  row: Transaction;
  /** False when an earlier submission with the same idempotency key is returned. */
  created: boolean;
}

/** Writes pending transactions and emits, for each new one, its event and audit record. */
export async function writeSubmissions(
  tx: TransactionSql,
  emit: Emitter,
  submissions: Submission[],
): Promise<Submitted[]> {
  const results = await insertMany(tx, submissions.map((s) => s.input));
  results.forEach(({ row, created }, i) => {
    if (!created) return;
    const { meta, action } = submissions[i];
    const item = emit.for(meta);
    item.event<TransferSubmitted>(TRANSFER_SUBMITTED, row.id, {
      transaction_id: row.id,
      source_account_id: row.sourceAccountId,
      destination_account_id: row.destinationAccountId,
      amount: formatMoney(row.amount),
      reversal_of: row.reversalOf,
      actor: meta.actor,
    });
    item.audit({
      action,
      target: { type: "transaction", id: row.id },
      before: null,
      after: transactionView(row),
      metadata: { request_id: meta.requestId },
    });
  });
  return results;
}

/**
 * Submissions wait while `maxPending` transfers are already in the saga, at most `maxWaitMs`
 * each (then they are accepted anyway: a stalled ledger delays requests, it does not refuse
 * them). Bounding the work in progress bounds how long a transfer takes to settle when clients
 * submit faster than the ledger settles; the wait shows up in the submit's response time.
 */
export interface SubmitAdmission {
  maxPending: number;
  maxWaitMs: number;
}

/** A batch has no cause of its own: everything it emits follows from one of its requests. */
const BATCH: CommandMeta = { actor: systemActor("transfer-submissions"), correlationId: "batch" };

/** The submission pipeline: `submit` resolves once the transfer's batch committed. */
export function transferSubmissions(
  deps: CommandDeps & { admission?: SubmitAdmission },
): Batcher<Submission, Submitted> {
  return new Batcher(
    (submissions) => transact(deps, BATCH, (tx, emit) => writeSubmissions(tx, emit, submissions)),
    {
      maxBatch: 200,
      concurrency: 2,
      admission: deps.admission && pendingAdmission(deps.sql, deps.admission),
    },
  );
}

/** Room = `maxPending` minus the pending transfers. */
function pendingAdmission(sql: Sql, options: SubmitAdmission): Admission {
  return {
    maxWaitMs: options.maxWaitMs,
    pollMs: 10,
    room: async () => options.maxPending - await countPending(sql, options.maxPending),
  };
}
