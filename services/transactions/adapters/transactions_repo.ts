/** Postgres access for transactions. Money is bigint cents. */
import type { Queryable } from "@flotilla/backbone";
import type { FailureReason } from "@flotilla/contracts";
import type { Cents } from "@flotilla/money";
import type { Transaction, TransactionStatus } from "../domain/transaction.ts";

interface Raw {
  id: string;
  source_account_id: string;
  destination_account_id: string;
  amount_cents: string;
  status: TransactionStatus;
  failure_reason: FailureReason | null;
  reversal_of: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, source_account_id, destination_account_id, amount_cents, status,
  failure_reason, reversal_of, created_at, updated_at`;

const toTransaction = (r: Raw): Transaction => ({
  id: Number(r.id),
  sourceAccountId: Number(r.source_account_id),
  destinationAccountId: Number(r.destination_account_id),
  amount: BigInt(r.amount_cents),
  status: r.status,
  failureReason: r.failure_reason,
  reversalOf: r.reversal_of === null ? null : Number(r.reversal_of),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewTransaction {
  sourceAccountId: number;
  destinationAccountId: number;
  amount: Cents;
  reversalOf?: number | null;
  idempotencyKey?: string | null;
}

export async function findTransaction(
  sql: Queryable,
  id: number,
  options: { lock?: boolean } = {},
): Promise<Transaction | undefined> {
  const rows = options.lock
    ? await sql<Raw[]>`select ${sql.unsafe(COLUMNS)} from transactions where id = ${id} for update`
    : await sql<Raw[]>`select ${sql.unsafe(COLUMNS)} from transactions where id = ${id}`;
  return rows[0] ? toTransaction(rows[0]) : undefined;
}

/** Is there a reversal of `id` that is pending or complete? */
export async function hasOpenReversal(sql: Queryable, id: number): Promise<boolean> {
  const rows = await sql`
    select 1 from transactions where reversal_of = ${id} and status <> 'failed' limit 1`;
  return rows.length > 0;
}

/** Keyset page of transactions touching an account (either side), in id order. */
export async function listTransactions(
  sql: Queryable,
  filter: { accountId?: number; status?: TransactionStatus; after: number; limit: number },
): Promise<Transaction[]> {
  const account = filter.accountId ?? null;
  const status = filter.status ?? null;
  const rows = await sql<Raw[]>`
    select ${sql.unsafe(COLUMNS)} from transactions
    where id > ${filter.after}
      and (${account}::bigint is null
           or source_account_id = ${account} or destination_account_id = ${account})
      and (${status}::text is null or status = ${status})
    order by id limit ${filter.limit}`;
  return rows.map(toTransaction);
}

/**
 * Settles pending transactions in one statement; returns the rows that changed (a
 * transaction no longer pending is left as it is).
 */
export async function settleMany(
  tx: Queryable,
  outcomes: { id: number; status: TransactionStatus; failureReason: FailureReason | null }[],
): Promise<Transaction[]> {
  if (outcomes.length === 0) return [];
  const rows = await tx<Raw[]>`
    update transactions t
    set status = u.status, failure_reason = u.reason, updated_at = now()
    from (
      select id, status, nullif(r, '') as reason from (
        select unnest(${tx.array(outcomes.map((o) => String(o.id)))}::text[])::bigint as id,
               unnest(${tx.array(outcomes.map((o) => o.status))}::text[]) as status,
               unnest(${tx.array(outcomes.map((o) => o.failureReason ?? ""))}::text[]) as r
      ) x
    ) u
    where t.id = u.id and t.status = 'pending'
    returning t.id, t.source_account_id, t.destination_account_id, t.amount_cents, t.status,
      t.failure_reason, t.reversal_of, t.created_at, t.updated_at`;
  return rows.map(toTransaction);
}

/** Marks complete transactions `rollback` (their reversal completed); returns those changed. */
export async function rollbackMany(tx: Queryable, ids: number[]): Promise<Transaction[]> {
  if (ids.length === 0) return [];
  const rows = await tx<Raw[]>`
    update transactions set status = 'rollback', updated_at = now()
    where id = any(${tx.array(ids.map(String))}::bigint[]) and status = 'complete'
    returning ${tx.unsafe(COLUMNS)}`;
  return rows.map(toTransaction);
}

/** Which of `ids` exist. */
export async function existing(tx: Queryable, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await tx<{ id: string }[]>`
    select id from transactions where id = any(${tx.array(ids.map(String))}::bigint[])`;
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * Inserts pending transactions in one statement (ids drawn first, so each input gets its
 * own row back). An idempotency key used before yields the earlier row, `created: false`.
 */
export async function insertMany(
  tx: Queryable,
  items: NewTransaction[],
): Promise<{ row: Transaction; created: boolean }[]> {
  const values = items.map((t) => ({
    source_account_id: String(t.sourceAccountId),
    destination_account_id: String(t.destinationAccountId),
    amount_cents: t.amount.toString(),
    reversal_of: t.reversalOf == null ? null : String(t.reversalOf),
    idempotency_key: t.idempotencyKey ?? null,
  }));
  const col = (f: (v: (typeof values)[number]) => string | null) =>
    tx.array(values.map(f) as string[]);
  // Each input is numbered (with ordinality) so it gets its own row back. The statement's text
  // does not depend on the batch size: it is prepared once per connection.
  const inserted = await tx<(Raw & { n: string })[]>`
    with input as (
      select nextval(pg_get_serial_sequence('transactions', 'id')) as id, *
      from unnest(${col((v) => v.source_account_id)}::bigint[],
                  ${col((v) => v.destination_account_id)}::bigint[],
                  ${col((v) => v.amount_cents)}::bigint[],
                  ${col((v) => v.reversal_of)}::bigint[],
                  ${col((v) => v.idempotency_key)}::text[])
        with ordinality as u(source_account_id, destination_account_id, amount_cents,
                             reversal_of, idempotency_key, n)
    ), written as (
      insert into transactions (id, source_account_id, destination_account_id, amount_cents,
                                reversal_of, idempotency_key)
      select id, source_account_id, destination_account_id, amount_cents, reversal_of,
             idempotency_key
      from input
      on conflict (idempotency_key) do nothing
      returning ${tx.unsafe(COLUMNS)}
    )
    select w.*, i.n from written w join input i on i.id = w.id`;
  const byInput = new Map(inserted.map((r) => [Number(r.n) - 1, toTransaction(r)]));
  const missingKeys = values.filter((_, i) => !byInput.has(i)).map((v) => v.idempotency_key!);
  const earlier = new Map<string, Transaction>();
  if (missingKeys.length > 0) {
    const rows = await tx<(Raw & { idempotency_key: string })[]>`
      select ${tx.unsafe(COLUMNS)}, idempotency_key from transactions
      where idempotency_key = any(${tx.array(missingKeys)}::text[])`;
    for (const r of rows) earlier.set(r.idempotency_key, toTransaction(r));
  }
  return values.map((v, i) => {
    const row = byInput.get(i);
    return row ? { row, created: true } : { row: earlier.get(v.idempotency_key!)!, created: false };
  });
}

/**
 * Transfers submitted and not yet settled (the saga's work in progress), counted up to
 * `atMost`: the cost stays bounded when a stopped ledger leaves many thousands pending.
 */
export async function countPending(sql: Queryable, atMost: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from (
      select 1 from transactions where status = 'pending' limit ${atMost}
    ) p`;
  return row.n;
}
