/**
 * Exactly-once effects over at-least-once delivery: the handler runs in a transaction that
 * first records (consumer, event id) in the inbox. An event seen before (a redelivery, a
 * publisher's retry) is acked as a duplicate without a second effect; a handler that fails
 * rolls its inbox record back with everything else, so the retry applies it.
 */
import type { Sql, TransactionSql } from "../db.ts";
import type { Decoded, Handle, Outcome } from "./compose.ts";

/** Records the ids in the inbox; returns those not seen before. */
export async function claim(
  tx: TransactionSql,
  consumer: string,
  ids: string[],
): Promise<Set<string>> {
  const rows = await tx<{ event_id: string }[]>`
    insert into inbox (consumer, event_id)
    select ${consumer}, unnest(${tx.array(ids)}::text[])
    on conflict do nothing
    returning event_id`;
  return new Set(rows.map((r) => r.event_id));
}

/**
 * What the inbox said, message by message: the first message of each new event is to be
 * handled; the others (seen before, or twice in one unit, a redelivery racing its original)
 * are duplicates.
 */
export function sortOut<T>(
  work: Decoded<T>[],
  fresh: Set<string>,
): { handle: Decoded<T>[]; outcomes: Outcome[] } {
  const handle: Decoded<T>[] = [];
  const taken = new Set<string>();
  const outcomes = work.map((d): Outcome => {
    if (!fresh.has(d.event.id) || taken.has(d.event.id)) return "duplicate";
    taken.add(d.event.id);
    handle.push(d);
    return "ack";
  });
  return { handle, outcomes };
}

/** What a transactional handler is given besides its events. */
export interface InTransaction<T> {
  tx: TransactionSql;
  /** Every message of the unit, the duplicates too. */
  work: Decoded<T>[];
  /** Runs `fn` once the transaction has committed; never if it rolls back. */
  afterCommit(fn: () => void): void;
}

/** The last step of a transactional consumer: inbox claim and handler in one transaction. */
export function inTransaction<T>(
  sql: Sql,
  consumer: string,
  handler: (fresh: Decoded<T>[], unit: InTransaction<T>) => Promise<void>,
): Handle<T> {
  return async (work) => {
    const committed: (() => void)[] = [];
    const afterCommit = (fn: () => void) => void committed.push(fn);
    const outcomes = await sql.begin(async (tx) => {
      const ids = [...new Set(work.map((d) => d.event.id))];
      const { handle, outcomes } = sortOut(work, await claim(tx, consumer, ids));
      if (handle.length > 0) await handler(handle, { tx, work, afterCommit });
      return outcomes;
    });
    for (const fn of committed) fn();
    return outcomes;
  };
}
