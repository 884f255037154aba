/** Reversing a complete transfer: a compensating transfer, submitted like any other. */
import { type CommandDeps, ConflictError, NotFoundError, transact } from "@flotilla/backbone";
import { findTransaction, hasOpenReversal } from "../adapters/transactions_repo.ts";
import { compensation, reversalRefusal } from "../domain/transaction.ts";
import { type RequestMeta, type Submitted, writeSubmissions } from "./submit_transfer.ts";

export function transactionNotFound(id: number): NotFoundError {
  return new NotFoundError(`Transaction ${id} not found`, {
    extensions: { error: "transaction not found" },
  });
}

export function reverseTransaction(
  deps: CommandDeps,
  input: { id: number; idempotencyKey?: string },
  meta: RequestMeta,
): Promise<Submitted> {
  return transact(deps, meta, async (tx, emit) => {
    const original = await findTransaction(tx, input.id, { lock: true });
    if (!original) throw transactionNotFound(input.id);
    const refusal = reversalRefusal(original, await hasOpenReversal(tx, input.id));
    if (refusal) throw new ConflictError(refusal, { extensions: { error: refusal } });
    const key = input.idempotencyKey ? `reversal:${input.idempotencyKey}` : null;
    const [result] = await writeSubmissions(tx, emit, [{
      input: { ...compensation(original), idempotencyKey: key },
      meta,
      action: "transaction.reversal_requested",
    }]);
    return result;
  });
}
