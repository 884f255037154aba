/** Postgres access for clients, mailings and messages. Functions take the pool or a transaction. */
import {
  type Catalog,
  ConflictError,
  createEvent,
  enqueue,
  type Queryable,
  type Sql,
} from "@flotilla/backbone";
import { MAILER_SEND_REQUESTED, type SendRequested } from "@flotilla/contracts";
import {
  type Client,
  type Mailing,
  type Message,
  type MessageStatus,
  type StatusCounts,
  windowText,
} from "../domain/model.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
/** Rows per outbox insert: postgres allows 65,535 parameters per statement. */
const ENQUEUE_CHUNK = 2_000;

interface ClientRow {
  id: string;
  phone: string;
  operator_code: string;
  tag: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
}

function toClient(r: ClientRow): Client {
  return {
    id: Number(r.id),
    phone: String(r.phone),
    operator_code: r.operator_code,
    tag: r.tag,
    timezone: r.timezone,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const clientColumns =
  "id, phone::text as phone, operator_code, tag, timezone, created_at, updated_at";

function uniquePhone(err: unknown, phone: string): never {
  if ((err as { code?: string }).code === "23505") {
    throw new ConflictError(`A client with phone ${phone} already exists`);
  }
  throw err;
}

export async function insertClient(
  q: Queryable,
  c: { phone: string; operator_code: string; tag: string; timezone: string },
): Promise<Client> {
  try {
    const [row] = await q.unsafe<ClientRow[]>(
      `insert into clients (phone, operator_code, tag, timezone) values ($1, $2, $3, $4)
       returning ${clientColumns}`,
      [c.phone, c.operator_code, c.tag, c.timezone],
    );
    return toClient(row);
  } catch (err) {
    uniquePhone(err, c.phone);
  }
}

export async function findClient(
  q: Queryable,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<Client | undefined> {
  const rows = await q.unsafe<ClientRow[]>(
    `select ${clientColumns} from clients where id = $1 ${options.forUpdate ? "for update" : ""}`,
    [id],
  );
  return rows[0] ? toClient(rows[0]) : undefined;
}

export async function listClients(q: Queryable, limit: number, offset: number): Promise<Client[]> {
  const rows = await q.unsafe<ClientRow[]>(
    `select ${clientColumns} from clients order by id limit $1 offset $2`,
    [limit, offset],
  );
  return rows.map(toClient);
}

export async function saveClient(q: Queryable, c: Client): Promise<Client> {
  try {
    const [row] = await q.unsafe<ClientRow[]>(
      `update clients set phone = $2, operator_code = $3, tag = $4, timezone = $5,
         updated_at = now() where id = $1 returning ${clientColumns}`,
      [c.id, c.phone, c.operator_code, c.tag, c.timezone],
    );
    return toClient(row);
  } catch (err) {
    uniquePhone(err, c.phone);
  }
}

/** Deletes the client; what was not yet sent to it expires. */
export async function deleteClient(q: Queryable, id: number): Promise<void> {
  await q`delete from clients where id = ${id}`;
  await q`
    update messages set status = 'expired', last_error = 'the client was deleted', due_at = null
    where client_id = ${id} and status in ('pending', 'deferred')`;
}

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

export interface MailingFields {
  start_at: Date;
  end_at: Date;
  text: string;
  operator_codes: string[];
  tags: string[];
  window_start: number | null;
  window_end: number | null;
}

const mailingColumns = `id, start_at, end_at, text, operator_codes, tags, window_start,
  window_end, state, started_at, finished_at, created_at, updated_at`;

export async function insertMailing(q: Queryable, m: MailingFields): Promise<Mailing> {
  const [row] = await q.unsafe<MailingRow[]>(
    `insert into mailings (start_at, end_at, text, operator_codes, tags, window_start, window_end)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${mailingColumns}`,
    [m.start_at, m.end_at, m.text, m.operator_codes, m.tags, m.window_start, m.window_end],
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

/** True once the fan-out has begun (it may still be under way). */
export async function hasMessages(q: Queryable, mailingId: number): Promise<boolean> {
  const [row] = await q<{ any: boolean }[]>`
    select exists (select 1 from messages where mailing_id = ${mailingId}) as any`;
  return row.any;
}

export async function saveMailing(q: Queryable, id: number, m: MailingFields): Promise<Mailing> {
  const [row] = await q.unsafe<MailingRow[]>(
    `update mailings set start_at = $2, end_at = $3, text = $4, operator_codes = $5, tags = $6,
       window_start = $7, window_end = $8, updated_at = now()
     where id = $1 returning ${mailingColumns}`,
    [id, m.start_at, m.end_at, m.text, m.operator_codes, m.tags, m.window_start, m.window_end],
  );
  return toMailing(row);
}

/** Hides the mailing; its messages not yet sent expire. What was sent stays on record. */
export async function deleteMailing(q: Queryable, id: number, now: Date): Promise<void> {
  await q`update mailings set deleted_at = ${now}, updated_at = now() where id = ${id}`;
  await q`
    update messages set status = 'expired', last_error = 'the mailing was deleted', due_at = null
    where mailing_id = ${id} and status in ('pending', 'deferred')`;
}

function emptyCounts(): StatusCounts {
  return { total: 0, pending: 0, sent: 0, failed: 0, deferred: 0, expired: 0 };
}

/** Message counts by status, per mailing. */
export async function mailingCounts(
  q: Queryable,
  ids: number[],
): Promise<Map<number, StatusCounts>> {
  const out = new Map<number, StatusCounts>(ids.map((id) => [id, emptyCounts()]));
  if (ids.length === 0) return out;
  const rows = await q<{ mailing_id: string; status: MessageStatus; n: number }[]>`
    select mailing_id, status, count(*)::int as n from messages
    where mailing_id = any(${ids}::bigint[]) group by mailing_id, status`;
  for (const r of rows) {
    const counts = out.get(Number(r.mailing_id))!;
    counts[r.status] = r.n;
    counts.total += r.n;
  }
  return out;
}

/** Messages in every status, over all mailings (the metrics gauge). */
export async function countsByStatus(q: Queryable): Promise<Record<MessageStatus, number>> {
  const rows = await q<{ status: MessageStatus; n: number }[]>`
    select status, count(*)::int as n from messages group by status`;
  const out = { pending: 0, sent: 0, failed: 0, deferred: 0, expired: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

interface MessageRow {
  id: string;
  mailing_id: string;
  client_id: string;
  status: MessageStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  due_at: Date | null;
}

export async function messagesOf(
  q: Queryable,
  mailingId: number,
  options: { limit: number; offset: number; status?: MessageStatus },
): Promise<Message[]> {
  const rows = await q<MessageRow[]>`
    select id, mailing_id, client_id, status, attempts, last_error, created_at, sent_at, due_at
    from messages
    where mailing_id = ${mailingId}
      ${options.status ? q`and status = ${options.status}` : q``}
    order by id limit ${options.limit} offset ${options.offset}`;
  return rows.map((r) => ({
    id: Number(r.id),
    mailing_id: Number(r.mailing_id),
    client_id: Number(r.client_id),
    status: r.status,
    attempts: r.attempts,
    last_error: r.last_error,
    created_at: r.created_at.toISOString(),
    sent_at: iso(r.sent_at),
    due_at: iso(r.due_at),
  }));
}

/** Writes one work-queue event per message through the outbox, in the caller's transaction. */
async function enqueueSends(
  q: Queryable,
  catalog: Catalog,
  source: string,
  rows: { id: string; mailing_id: string; client_id: string }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += ENQUEUE_CHUNK) {
    await enqueue(
      q,
      catalog,
      rows.slice(i, i + ENQUEUE_CHUNK).map((r) =>
        createEvent<SendRequested>({
          type: MAILER_SEND_REQUESTED,
          source,
          subject: r.id,
          data: {
            message_id: Number(r.id),
            mailing_id: Number(r.mailing_id),
            client_id: Number(r.client_id),
          },
        })
      ),
    );
  }
}

/**
 * One pending message per given client (none twice: unique per mailing and client) and one
 * send per new message, in the caller's transaction. Returns how many messages it created.
 */
async function createMessages(
  q: Queryable,
  catalog: Catalog,
  source: string,
  mailingId: number,
  clientIds: number[],
): Promise<number> {
  if (clientIds.length === 0) return 0;
  const rows = await q<{ id: string; mailing_id: string; client_id: string }[]>`
    insert into messages (mailing_id, client_id)
    select ${mailingId}, unnest(${clientIds}::bigint[])
    on conflict (mailing_id, client_id) do nothing
    returning id, mailing_id, client_id`;
  await enqueueSends(q, catalog, source, rows);
  return rows.length;
}

/**
 * A started mailing whose filter changed: clients that no longer match lose their unsent
 * messages (expired), newly matching clients get theirs.
 */
export async function refilter(
  q: Queryable,
  catalog: Catalog,
  source: string,
  mailing: { id: number; operator_codes: string[]; tags: string[] },
): Promise<number> {
  await q`
    update messages m set status = 'expired', due_at = null,
      last_error = 'the client no longer matches the mailing filter'
    from clients c
    where m.mailing_id = ${mailing.id} and m.client_id = c.id
      and m.status in ('pending', 'deferred')
      and not ((cardinality(${mailing.operator_codes}::text[]) = 0
                or c.operator_code = any(${mailing.operator_codes}::text[]))
           and (cardinality(${mailing.tags}::text[]) = 0
                or c.tag = any(${mailing.tags}::text[])))`;
  let created = 0;
  let after = 0;
  while (true) {
    const clients = await matchingClients(q, mailing, after, 5_000);
    created += await createMessages(q, catalog, source, mailing.id, clients);
    if (clients.length < 5_000) return created;
    after = clients.at(-1)!;
  }
}

/** Clients matching a filter, by id, after a cursor. */
async function matchingClients(
  q: Queryable,
  filter: { operator_codes: string[]; tags: string[] },
  after: number,
  limit: number,
): Promise<number[]> {
  const rows = await q<{ id: string }[]>`
    select id from clients
    where id > ${after}
      and (cardinality(${filter.operator_codes}::text[]) = 0
           or operator_code = any(${filter.operator_codes}::text[]))
      and (cardinality(${filter.tags}::text[]) = 0 or tag = any(${filter.tags}::text[]))
    order by id limit ${limit}`;
  return rows.map((r) => Number(r.id));
}

/**
 * Starts one due mailing, in chunks of clients by id: each chunk's messages and their sends
 * commit together (outbox), so sending starts while the fan-out goes on. Each chunk locks the
 * mailing row (skipping it when another replica or a request holds it) and goes on from the
 * highest client that already has a message, so replicas share the work and a crash mid-way
 * resumes where it stopped. Messages are unique per client: nothing is created twice.
 */
async function startMailing(
  sql: Sql,
  catalog: Catalog,
  source: string,
  id: number,
  now: Date,
  chunk: number,
): Promise<{ id: number; messages: number; complete: boolean } | undefined> {
  let messages = 0;
  while (true) {
    const step = await sql.begin(async (tx) => {
      const [m] = await tx<{ end_at: Date; operator_codes: string[]; tags: string[] }[]>`
        select end_at, operator_codes, tags from mailings
        where id = ${id} and state = 'scheduled' and deleted_at is null and start_at <= ${now}
        for update skip locked`;
      if (!m) return undefined;
      if (m.end_at <= now) {
        await tx`update mailings set state = 'finished', started_at = ${now},
          finished_at = ${now} where id = ${id}`;
        return { created: 0, done: true };
      }
      const [{ after }] = await tx<{ after: string }[]>`
        select coalesce(max(client_id), 0) as after from messages where mailing_id = ${id}`;
      const clients = await matchingClients(tx, m, Number(after), chunk);
      const created = await createMessages(tx, catalog, source, id, clients);
      const done = clients.length < chunk;
      if (done) {
        await tx`update mailings set state = 'running', started_at = ${now} where id = ${id}`;
      }
      return { created, done };
    });
    if (!step) return messages > 0 ? { id, messages, complete: false } : undefined;
    messages += step.created;
    if (step.done) return { id, messages, complete: true };
  }
}

/** Starts the mailings whose start has come; a mailing already past its end just finishes. */
export async function startDueMailings(
  sql: Sql,
  catalog: Catalog,
  source: string,
  now: Date,
  chunk = 2_000,
): Promise<{ id: number; messages: number; complete: boolean }[]> {
  const due = await sql<{ id: string }[]>`
    select id from mailings
    where state = 'scheduled' and deleted_at is null and start_at <= ${now}
    order by start_at limit 20`;
  const started = [];
  for (const { id } of due) {
    const one = await startMailing(sql, catalog, source, Number(id), now, chunk);
    if (one) started.push(one);
  }
  return started;
}

/** Deferred messages whose window has opened go back on the work queue. */
export async function releaseDueDeferred(
  sql: Sql,
  catalog: Catalog,
  source: string,
  now: Date,
  limit = 2_000,
): Promise<number> {
  return await sql.begin(async (tx) => {
    const rows = await tx<{ id: string; mailing_id: string; client_id: string }[]>`
      with due as (
        select id from messages where status = 'deferred' and due_at <= ${now}
        order by due_at limit ${limit} for update skip locked
      )
      update messages m set status = 'pending', due_at = null
      from due where m.id = due.id
      returning m.id, m.mailing_id, m.client_id`;
    await enqueueSends(tx, catalog, source, rows);
    return rows.length;
  });
}

/** Mailings past their end are finished; what they did not send expires. */
export async function finishEndedMailings(sql: Sql, now: Date): Promise<number[]> {
  return await sql.begin(async (tx) => {
    const rows = await tx<{ id: string }[]>`
      update mailings set state = 'finished', finished_at = ${now}
      where id in (
        select id from mailings where state = 'running' and end_at <= ${now}
        for update skip locked
      )
      returning id`;
    const ids = rows.map((r) => Number(r.id));
    if (ids.length > 0) {
      await tx`
        update messages set status = 'expired', due_at = null,
          last_error = coalesce(last_error || '; ', '') || 'the mailing ended before it was sent'
        where mailing_id = any(${ids}::bigint[]) and status in ('pending', 'deferred')`;
    }
    return ids;
  });
}

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

/** Everything senders need for these messages, read at send time so edits take effect. */
export async function loadSendJobs(q: Queryable, ids: number[]): Promise<Map<number, SendJob>> {
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
export async function markSentMany(
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

export async function recordFailure(q: Queryable, id: number, error: string) {
  await q`
    update messages set attempts = attempts + 1, last_error = ${error.slice(0, 500)}
    where id = ${id} and status <> 'sent'`;
}

export async function markDeferred(q: Queryable, id: number, until: Date, reason: string) {
  await q`
    update messages set status = 'deferred', due_at = ${until}, last_error = ${reason}
    where id = ${id} and status in ('pending', 'deferred')`;
}

export async function markFinal(
  q: Queryable,
  id: number,
  status: "expired" | "failed",
  reason: string,
) {
  await q`
    update messages set status = ${status}, due_at = null, last_error = ${reason.slice(0, 500)}
    where id = ${id} and status in ('pending', 'deferred')`;
}
