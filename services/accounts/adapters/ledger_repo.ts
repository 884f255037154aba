/** Postgres side of applying transfers: row locks, decisions already taken, writes. */
import type { TransactionSql } from "../../../shared/mod.ts";
import type { FailureReason, TransferDecision } from "../domain/ledger.ts";
import type { Cents } from "../domain/money.ts";

/** Locks the accounts in ascending id order (no deadlocks) and returns their balances. */
export async function lockBalances(
  tx: TransactionSql,
  ids: number[],
): Promise<Map<number, Cents>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{ account_id: string; balance_cents: string }[]>`
    select account_id, balance_cents from accounts
    where account_id in ${tx(ids)}
    order by account_id
    for update`;
  return new Map(rows.map((r) => [Number(r.account_id), BigInt(r.balance_cents)]));
}

export interface DecidedTransfer {
  transactionId: number;
  sourceId: number;
  destinationId: number;
  amount: Cents;
  status: "completed" | "failed";
  reason: FailureReason | null;
  sourceBalance: Cents | null;
  destinationBalance: Cents | null;
}

/** Transfers among `ids` that the ledger decided before (a second submission of the same id). */
export async function findDecided(
  tx: TransactionSql,
  ids: number[],
): Promise<Map<number, DecidedTransfer>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{
    transaction_id: string;
    source_account_id: string;
    destination_account_id: string;
    amount_cents: string;
    status: "completed" | "failed";
    reason: FailureReason | null;
    source_balance_cents: string | null;
    destination_balance_cents: string | null;
  }[]>`
    select transaction_id, source_account_id, destination_account_id, amount_cents, status,
           reason, source_balance_cents, destination_balance_cents
    from transfers where transaction_id in ${tx(ids)}`;
  return new Map(rows.map((r) => [Number(r.transaction_id), {
    transactionId: Number(r.transaction_id),
    sourceId: Number(r.source_account_id),
    destinationId: Number(r.destination_account_id),
    amount: BigInt(r.amount_cents),
    status: r.status,
    reason: r.reason,
    sourceBalance: r.source_balance_cents === null ? null : BigInt(r.source_balance_cents),
    destinationBalance: r.destination_balance_cents === null
      ? null
      : BigInt(r.destination_balance_cents),
  }]));
}

/**
 * Writes the new balances, one debit and one credit per applied transfer, and every decision.
 * Two replicas refusing the same transfer at once (no rows to lock when an account is
 * missing) record it once; an applied transfer is serialised by its rows' locks.
 */
export async function writeDecisions(
  tx: TransactionSql,
  decisions: TransferDecision[],
  balances: Map<number, Cents>,
): Promise<void> {
  if (decisions.length === 0) return;
  const applied = decisions.filter((d) => d.kind === "completed");
  const changed = new Set<number>();
  const postings: Record<string, string | number>[] = [];
  for (const d of applied) {
    changed.add(d.transfer.sourceId).add(d.transfer.destinationId);
    const amount = d.transfer.amount;
    postings.push({
      account_id: d.transfer.sourceId,
      transaction_id: d.transfer.transactionId,
      kind: "debit",
      amount_cents: (-amount).toString(),
      balance_after_cents: d.source.after.toString(),
    }, {
      account_id: d.transfer.destinationId,
      transaction_id: d.transfer.transactionId,
      kind: "credit",
      amount_cents: amount.toString(),
      balance_after_cents: d.destination.after.toString(),
    });
  }
  if (changed.size > 0) {
    const ids = [...changed];
    await tx`
      update accounts a set balance_cents = u.balance, updated_at = now()
      from (
        select unnest(${tx.array(ids.map(String))}::text[])::bigint as id,
               unnest(${tx.array(ids.map((id) => balances.get(id)!.toString()))}::text[])::bigint
                 as balance
      ) u
      where a.account_id = u.id`;
    for (let i = 0; i < postings.length; i += 1_000) {
      await tx`insert into postings ${
        tx(
          postings.slice(i, i + 1_000),
          "account_id",
          "transaction_id",
          "kind",
          "amount_cents",
          "balance_after_cents",
        )
      }`;
    }
  }
  const rows = decisions.map((d) => ({
    transaction_id: d.transfer.transactionId,
    source_account_id: d.transfer.sourceId,
    destination_account_id: d.transfer.destinationId,
    amount_cents: d.transfer.amount.toString(),
    status: d.kind,
    reason: d.kind === "failed" ? d.reason : null,
    source_balance_cents: d.kind === "completed" ? d.source.after.toString() : null,
    destination_balance_cents: d.kind === "completed" ? d.destination.after.toString() : null,
  }));
  await tx`insert into transfers ${
    tx(
      rows,
      "transaction_id",
      "source_account_id",
      "destination_account_id",
      "amount_cents",
      "status",
      "reason",
      "source_balance_cents",
      "destination_balance_cents",
    )
  }
    on conflict (transaction_id) do nothing`;
}
