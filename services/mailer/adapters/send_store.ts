/**
 * What senders read and write per message. Loads and `sent` marks go through the backbone's
 * Batcher (group commit): while one query is in flight the next senders gather, so hundreds of
 * concurrent senders cost a few round trips instead of hundreds, and a lone sender waits for
 * nobody. Each still waits for its own row. The other outcomes are rare: written one by one.
 */
import { Batcher, type Queryable, type Sql } from "@flotilla/backbone";
import type { MessageStatus } from "../domain/model.ts";

export interface SendJob {
  id: number;
  mailing_id: number;
  client_id: number;
  status: MessageStatus;
  attempts: number;
  text: string;
  start_at: Date;
  end_at: Date;
  window_start: number | null;
  window_end: number | null;
  mailing_deleted: boolean;
  phone: string | null;
  timezone: string | null;
}

export interface SendStore {
  load(id: number): Promise<SendJob | undefined>;
  sent(id: number, at: Date, attempted: boolean): Promise<void>;
  /** A failed call: one more attempt, and what went wrong. */
  failed(id: number, error: string): Promise<void>;
  deferred(id: number, until: Date, reason: string): Promise<void>;
  /** Gives up on an unsent message: expired or failed, with the reason. */
  final(id: number, status: "expired" | "failed", reason: string): Promise<void>;
}

/** Rows per batched query, and batched queries of each kind in flight at once. */
const BATCH = { maxBatch: 256, concurrency: 4 };

export function sendStore(sql: Sql): SendStore {
  const loads = new Batcher<number, SendJob | undefined>(async (ids) => {
    const jobs = await loadSendJobs(sql, [...new Set(ids)]);
    return ids.map((id) => jobs.get(id));
  }, BATCH);
  const sents = new Batcher<{ id: number; at: Date; attempted: boolean }, void>(
    async (items) => {
      await markSentMany(sql, items);
      return items.map(() => undefined);
    },
    BATCH,
  );
  return {
    load: (id) => loads.submit(id),
    sent: (id, at, attempted) => sents.submit({ id, at, attempted }),
    failed: (id, error) => recordFailure(sql, id, error),
    deferred: (id, until, reason) => markDeferred(sql, id, until, reason),
    final: (id, status, reason) => markFinal(sql, id, status, reason),
  };
}

/** Everything senders need for these messages, read at send time so edits take effect. */
async function loadSendJobs(q: Queryable, ids: number[]): Promise<Map<number, SendJob>> {
  const rows = await q<(Omit<SendJob, "id" | "mailing_id" | "client_id"> & {
    id: string;
    mailing_id: string;
    client_id: string;
  })[]>`
    select m.id, m.mailing_id, m.client_id, m.status, m.attempts, g.text, g.start_at, g.end_at,
      g.window_start, g.window_end, g.deleted_at is not null as mailing_deleted,
      c.phone::text as phone, c.timezone
    from messages m
    join mailings g on g.id = m.mailing_id
    left join clients c on c.id = m.client_id
    where m.id = any(${ids}::bigint[])`;
  return new Map(rows.map((r) => [Number(r.id), {
    ...r,
    id: Number(r.id),
    mailing_id: Number(r.mailing_id),
    client_id: Number(r.client_id),
  }]));
}

/** Marks messages sent; a sent message stays sent, whatever else was recorded meanwhile. */
async function markSentMany(
  q: Queryable,
  items: { id: number; at: Date; attempted: boolean }[],
): Promise<void> {
  await q`
    update messages m set status = 'sent', sent_at = s.at, due_at = null,
      attempts = m.attempts + s.attempted
    from unnest(${items.map((i) => i.id)}::bigint[], ${
    items.map((i) => i.at.toISOString())
  }::timestamptz[], ${items.map((i) => (i.attempted ? 1 : 0))}::int[]) as s(id, at, attempted)
    where m.id = s.id and m.status <> 'sent'`;
}

async function recordFailure(q: Queryable, id: number, error: string): Promise<void> {
  await q`
    update messages set attempts = attempts + 1, last_error = ${error.slice(0, 500)}
    where id = ${id} and status <> 'sent'`;
}

async function markDeferred(q: Queryable, id: number, until: Date, reason: string) {
  await q`
    update messages set status = 'deferred', due_at = ${until}, last_error = ${reason}
    where id = ${id} and status in ('pending', 'deferred')`;
}

async function markFinal(
  q: Queryable,
  id: number,
  status: "expired" | "failed",
  reason: string,
): Promise<void> {
  await q`
    update messages set status = ${status}, due_at = null, last_error = ${reason.slice(0, 500)}
    where id = ${id} and status in ('pending', 'deferred')`;
}
