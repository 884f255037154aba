/** Postgres access for accounts and their postings. Money is bigint cents. */
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
