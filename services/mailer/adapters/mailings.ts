/** Postgres access for the mailings table. Functions take the pool or a transaction. */
import type { Queryable } from "@flotilla/backbone";
import { type Mailing, type MailingFields, windowOf, windowText } from "../domain/model.ts";

interface MailingRow {
  id: string;
  start_at: Date;
  end_at: Date;
  text: string;
  operator_codes: string[];
  tags: string[];
  window_start: number | null;
  window_end: number | null;
  state: Mailing["state"];
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toMailing(r: MailingRow): Mailing {
  return {
    id: Number(r.id),
    start_at: r.start_at.toISOString(),
    end_at: r.end_at.toISOString(),
    text: r.text,
    filter: { operator_codes: r.operator_codes, tags: r.tags },
    send_window: windowText(r.window_start, r.window_end),
    state: r.state,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** The fields as columns: start_at, end_at, text, operator_codes, tags, window_start, window_end. */
function columnsOf(
  m: MailingFields,
): [Date, Date, string, string[], string[], number | null, number | null] {
  const window = windowOf(m.send_window);
  return [
    new Date(m.start_at),
    new Date(m.end_at),
    m.text,
    m.filter.operator_codes,
    m.filter.tags,
    window?.start ?? null,
    window?.end ?? null,
  ];
}

const mailingColumns = `id, start_at, end_at, text, operator_codes, tags, window_start,
  window_end, state, started_at, finished_at, created_at, updated_at`;

export async function insertMailing(q: Queryable, m: MailingFields): Promise<Mailing> {
  const [row] = await q.unsafe<MailingRow[]>(
    `insert into mailings (start_at, end_at, text, operator_codes, tags, window_start, window_end)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${mailingColumns}`,
    columnsOf(m),
  );
  return toMailing(row);
}

export async function findMailing(
  q: Queryable,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<Mailing | undefined> {
  const rows = await q.unsafe<MailingRow[]>(
    `select ${mailingColumns} from mailings where id = $1 and deleted_at is null
     ${options.forUpdate ? "for update" : ""}`,
    [id],
  );
  return rows[0] ? toMailing(rows[0]) : undefined;
}

export async function listMailings(
  q: Queryable,
  limit: number,
  offset: number,
): Promise<Mailing[]> {
  const rows = await q.unsafe<MailingRow[]>(
    `select ${mailingColumns} from mailings where deleted_at is null order by id
     limit $1 offset $2`,
    [limit, offset],
  );
  return rows.map(toMailing);
}

export async function saveMailing(q: Queryable, id: number, m: MailingFields): Promise<Mailing> {
  const [row] = await q.unsafe<MailingRow[]>(
    `update mailings set start_at = $2, end_at = $3, text = $4, operator_codes = $5, tags = $6,
       window_start = $7, window_end = $8, updated_at = now()
     where id = $1 returning ${mailingColumns}`,
    [id, ...columnsOf(m)],
  );
  return toMailing(row);
}

/** Hides the mailing; what it sent stays on record. */
export async function hideMailing(q: Queryable, id: number, now: Date): Promise<void> {
  await q`update mailings set deleted_at = ${now}, updated_at = now() where id = ${id}`;
}

/** The scheduled mailings whose start has come, oldest start first. */
export async function dueMailings(q: Queryable, now: Date, limit = 20): Promise<number[]> {
  const rows = await q<{ id: string }[]>`
    select id from mailings
    where state = 'scheduled' and deleted_at is null and start_at <= ${now}
    order by start_at limit ${limit}`;
  return rows.map((r) => Number(r.id));
}

/**
 * Locks a mailing that is due to start, unless someone else holds it (another replica, a
 * request): then, or when it is no longer due, undefined.
 */
export async function lockDueMailing(
  q: Queryable,
  id: number,
  now: Date,
): Promise<{ end_at: Date; operator_codes: string[]; tags: string[] } | undefined> {
  const [m] = await q<{ end_at: Date; operator_codes: string[]; tags: string[] }[]>`
    select end_at, operator_codes, tags from mailings
    where id = ${id} and state = 'scheduled' and deleted_at is null and start_at <= ${now}
    for update skip locked`;
  return m;
}

/** A mailing whose fan-out is done: it runs until its end. */
export async function markRunning(q: Queryable, id: number, now: Date): Promise<void> {
  await q`update mailings set state = 'running', started_at = ${now} where id = ${id}`;
}

/** A mailing due to start that had already ended: finished without a message. */
export async function markFinishedUnstarted(q: Queryable, id: number, now: Date): Promise<void> {
  await q`update mailings set state = 'finished', started_at = ${now}, finished_at = ${now}
    where id = ${id}`;
}

/** Running mailings past their end become finished (those nobody else holds); their ids. */
export async function finishEnded(q: Queryable, now: Date): Promise<number[]> {
  const rows = await q<{ id: string }[]>`
    update mailings set state = 'finished', finished_at = ${now}
    where id in (
      select id from mailings where state = 'running' and end_at <= ${now}
      for update skip locked
    )
    returning id`;
  return rows.map((r) => Number(r.id));
}
