/**
 * The ledger check's queries. In the accounts database: every balance equals the sum of its
 * postings, none is negative, every applied transfer is one debit and one equal credit, and
 * the total equals the money opened with. Across both databases: every transaction is settled
 * the way the ledger decided it.
 */
import type { Queryable } from "@flotilla/backbone";
import type { Cents } from "@flotilla/money";

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  totalBalance: Cents;
  totalOpening: Cents;
  /** Accounts whose balance differs from the sum of their postings. */
  mismatches: { accountId: number; balance: Cents; postingsSum: Cents }[];
  negative: number[];
  /** Applied transfers that do not have exactly one debit and one equal credit. */
  unbalancedTransfers: number[];
}

/**
 * Proves the ledger: every balance equals the sum of its postings, none is negative, every
 * applied transfer is one debit and one equal credit, and the total equals the opening money.
 */
export async function checkLedger(sql: Queryable): Promise<LedgerReport> {
  const mismatches = await sql<{ account_id: string; balance: string; sum: string }[]>`
    select a.account_id, a.balance_cents as balance, coalesce(p.sum, 0) as sum
    from accounts a
    left join (select account_id, sum(amount_cents) as sum from postings group by account_id) p
      using (account_id)
    where a.balance_cents <> coalesce(p.sum, 0)
    order by a.account_id limit 100`;
  const negative = await sql<{ account_id: string }[]>`
    select account_id from accounts where balance_cents < 0 order by account_id limit 100`;
  const unbalanced = await sql<{ transaction_id: string }[]>`
    select transaction_id from postings where transaction_id is not null
    group by transaction_id
    having count(*) filter (where kind = 'debit') <> 1
        or count(*) filter (where kind = 'credit') <> 1
        or sum(amount_cents) <> 0
    limit 100`;
  const [totals] = await sql<{ accounts: number; total: string; opening: string }[]>`
    select (select count(*)::int from accounts) as accounts,
           (select coalesce(sum(balance_cents), 0) from accounts)::text as total,
           (select coalesce(sum(amount_cents), 0) from postings where kind = 'opening')::text
             as opening`;
  const totalBalance = BigInt(totals.total);
  const totalOpening = BigInt(totals.opening);
  return {
    ok: mismatches.length === 0 && negative.length === 0 && unbalanced.length === 0 &&
      totalBalance === totalOpening,
    accounts: totals.accounts,
    totalBalance,
    totalOpening,
    mismatches: mismatches.map((m) => ({
      accountId: Number(m.account_id),
      balance: BigInt(m.balance),
      postingsSum: BigInt(m.sum),
    })),
    negative: negative.map((n) => Number(n.account_id)),
    unbalancedTransfers: unbalanced.map((u) => Number(u.transaction_id)),
  };
}

export interface CrossCheck {
  transactions: number;
  pending: number;
  /** Transactions the ledger never decided, or recorded with another outcome. */
  disagreements: { id: number; recorded: string; ledger: string | null }[];
  /** Ledger decisions with no transaction row. */
  orphans: number;
}

/** Compares every transaction's recorded status with the ledger's decision. */
export async function crossCheck(
  accounts: Queryable,
  transactions: Queryable,
): Promise<CrossCheck> {
  const decided = await accounts<{ id: string; status: string }[]>`
    select transaction_id as id, status from transfers`;
  const recorded = await transactions<{ id: string; status: string }[]>`
    select id, status from transactions`;
  const ledger = new Map(decided.map((d) => [d.id, d.status]));
  const disagreements: CrossCheck["disagreements"] = [];
  let pending = 0;
  for (const r of recorded) {
    const l = ledger.get(r.id) ?? null;
    ledger.delete(r.id);
    if (r.status === "pending") {
      pending++;
      continue;
    }
    const agrees = l === "completed"
      ? r.status === "complete" || r.status === "rollback"
      : l === "failed" && r.status === "failed";
    if (!agrees) disagreements.push({ id: Number(r.id), recorded: r.status, ledger: l });
  }
  return { transactions: recorded.length, pending, disagreements, orphans: ledger.size };
}
