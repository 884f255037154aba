/** Opening an account: the row, its opening posting, `account.created` and its audit record. */
import { type CommandDeps, type CommandMeta, ConflictError, transact } from "@flotilla/backbone";
import { ACCOUNT_CREATED, type AccountCreated } from "@flotilla/contracts";
import { type Cents, formatMoney } from "@flotilla/money";
import { insertAccount } from "../adapters/accounts_repo.ts";

export function openAccount(
  deps: CommandDeps,
  input: { accountId: number; balance: Cents },
  meta: CommandMeta & { requestId: string },
): Promise<AccountCreated> {
  return transact(deps, meta, async (tx, emit) => {
    const row = await insertAccount(tx, input.accountId, input.balance);
    if (!row) {
      throw new ConflictError(`Cannot create account ${input.accountId}: it already exists`, {
        extensions: { error: "account already exists" },
      });
    }
    const after = { account_id: row.accountId, balance: formatMoney(row.balance) };
    emit.event<AccountCreated>(ACCOUNT_CREATED, row.accountId, after);
    emit.audit({
      action: "account.created",
      target: { type: "account", id: row.accountId },
      before: null,
      after,
      metadata: { request_id: meta.requestId },
    });
    return after;
  });
}
