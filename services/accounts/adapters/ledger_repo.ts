/** Postgres side of applying transfers: row locks, decisions already taken, writes. */
import type { TransactionSql } from "@flotilla/backbone";
import type { FailureReason } from "@flotilla/contracts";
import type { Cents } from "@flotilla/money";
import type { TransferDecision } from "../domain/ledger.ts";

/** Locks the accounts in ascending id order (no deadlocks) and returns their balances. */
export async function lockBalances(
  tx: TransactionSql,
  ids: number[],
): Promise<Map<number, Cents>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<{ account_id: string; balance_cents: string }[]>`
    select account_id, balance_cents from accounts
    where account_id = any(${tx.array(ids.map(String))}::bigint[])
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
    from transfers where transaction_id = any(${tx.array(ids.map(String))}::bigint[])`;
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
  const postings = { account: [] as string[], transaction: [] as string[], kind: [] as string[] };
  const postingCents = { amount: [] as string[], after: [] as string[] };
  for (const d of applied) {
    const t = d.transfer;
    changed.add(t.sourceId).add(t.destinationId);
    postings.account.push(String(t.sourceId), String(t.destinationId));
    postings.transaction.push(String(t.transactionId), String(t.transactionId));
    postings.kind.push("debit", "credit");
    postingCents.amount.push((-t.amount).toString(), t.amount.toString());
    postingCents.after.push(d.source.after.toString(), d.destination.after.toString());
  }
  // Arrays instead of one VALUES row per item: the statements' text does not depend on the
  // batch size, so each is prepared once per connection.
  if (changed.size > 0) {
    const ids = [...changed];
    await tx`
      update accounts a set balance_cents = u.balance, updated_at = now()
      from unnest(${tx.array(ids.map(String))}::bigint[],
                  ${tx.array(ids.map((id) => balances.get(id)!.toString()))}::bigint[])
        as u(id, balance)
      where a.account_id = u.id`;
    await tx`
      insert into postings (account_id, transaction_id, kind, amount_cents, balance_after_cents)
      select * from unnest(${tx.array(postings.account)}::bigint[],
                           ${tx.array(postings.transaction)}::bigint[],
                           ${tx.array(postings.kind)}::text[],
                           ${tx.array(postingCents.amount)}::bigint[],
                           ${tx.array(postingCents.after)}::bigint[])`;
  }
  const col = <T>(f: (d: TransferDecision) => T) => tx.array(decisions.map(f) as string[]);
  await tx`
    insert into transfers (transaction_id, source_account_id, destination_account_id,
                           amount_cents, status, reason, source_balance_cents,
                           destination_balance_cents)
    select * from unnest(
      ${col((d) => String(d.transfer.transactionId))}::bigint[],
      ${col((d) => String(d.transfer.sourceId))}::bigint[],
      ${col((d) => String(d.transfer.destinationId))}::bigint[],
      ${col((d) => d.transfer.amount.toString())}::bigint[],
      ${col((d) => d.kind)}::text[],
      ${col((d) => d.kind === "failed" ? d.reason : null)}::text[],
      ${col((d) => d.kind === "completed" ? d.source.after.toString() : null)}::bigint[],
      ${col((d) => d.kind === "completed" ? d.destination.after.toString() : null)}::bigint[])
    on conflict (transaction_id) do nothing`;
}
