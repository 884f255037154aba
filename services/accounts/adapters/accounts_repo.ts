/** Postgres access for accounts, postings and the ledger check. Money is bigint cents. */
import type { Queryable } from "@flotilla/backbone";
import type { Cents } from "@flotilla/money";

export interface AccountRow {
  accountId: number;
  balance: Cents;
  createdAt: Date;
  updatedAt: Date;
}

export interface PostingRow {
  id: number;
  accountId: number;
  transactionId: number | null;
  kind: "opening" | "debit" | "credit";
  amount: Cents;
  balanceAfter: Cents;
  createdAt: Date;
}

interface RawAccount {
  account_id: string;
  balance_cents: string;
  created_at: Date;
  updated_at: Date;
}

const toAccount = (r: RawAccount): AccountRow => ({
  accountId: Number(r.account_id),
  balance: BigInt(r.balance_cents),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Inserts the account and its opening posting; false when the id is taken. */
export async function insertAccount(
  tx: Queryable,
  accountId: number,
  balance: Cents,
): Promise<AccountRow | undefined> {
  const rows = await tx<RawAccount[]>`
    insert into accounts (account_id, balance_cents)
    values (${accountId}, ${balance.toString()})
    on conflict (account_id) do nothing
    returning account_id, balance_cents, created_at, updated_at`;
  if (rows.length === 0) return undefined;
  await tx`
    insert into postings (account_id, transaction_id, kind, amount_cents, balance_after_cents)
    values (${accountId}, null, 'opening', ${balance.toString()}, ${balance.toString()})`;
  return toAccount(rows[0]);
}

export async function findAccount(
  sql: Queryable,
  accountId: number,
): Promise<AccountRow | undefined> {
  const rows = await sql<RawAccount[]>`
    select account_id, balance_cents, created_at, updated_at
    from accounts where account_id = ${accountId}`;
  return rows[0] ? toAccount(rows[0]) : undefined;
}

/** Keyset page: accounts with id greater than `after`, in id order. */
export async function listAccounts(
  sql: Queryable,
  page: { after: number; limit: number },
): Promise<AccountRow[]> {
  const rows = await sql<RawAccount[]>`
    select account_id, balance_cents, created_at, updated_at
    from accounts where account_id > ${page.after}
    order by account_id limit ${page.limit}`;
  return rows.map(toAccount);
}

/** Keyset page of one account's postings, oldest first. */
export async function listPostings(
  sql: Queryable,
  accountId: number,
  page: { after: number; limit: number },
): Promise<PostingRow[]> {
  const rows = await sql<{
    id: string;
    account_id: string;
    transaction_id: string | null;
    kind: PostingRow["kind"];
    amount_cents: string;
    balance_after_cents: string;
    created_at: Date;
  }[]>`
    select id, account_id, transaction_id, kind, amount_cents, balance_after_cents, created_at
    from postings where account_id = ${accountId} and id > ${page.after}
    order by id limit ${page.limit}`;
  return rows.map((r) => ({
    id: Number(r.id),
    accountId: Number(r.account_id),
    transactionId: r.transaction_id === null ? null : Number(r.transaction_id),
    kind: r.kind,
    amount: BigInt(r.amount_cents),
    balanceAfter: BigInt(r.balance_after_cents),
    createdAt: r.created_at,
  }));
}

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
