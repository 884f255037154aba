/** Postgres access for the messages table (the senders' reads and writes: send_store.ts). */
import type { Queryable } from "@flotilla/backbone";
import type { SendRequested } from "@flotilla/contracts";
import type { MailingFields, Message, MessageStatus, StatusCounts } from "../domain/model.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

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

/** True once the fan-out has begun (it may still be under way). */
export async function hasMessages(q: Queryable, mailingId: number): Promise<boolean> {
  const [row] = await q<{ any: boolean }[]>`
    select exists (select 1 from messages where mailing_id = ${mailingId}) as any`;
  return row.any;
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

type SendRow = { id: string; mailing_id: string; client_id: string };
const toSend = (r: SendRow): SendRequested => ({
  message_id: Number(r.id),
  mailing_id: Number(r.mailing_id),
  client_id: Number(r.client_id),
});

/** One pending message per given client, none twice (unique per mailing and client): the new ones. */
export async function insertMessages(
  q: Queryable,
  mailingId: number,
  clientIds: number[],
): Promise<SendRequested[]> {
  if (clientIds.length === 0) return [];
  const rows = await q<SendRow[]>`
    insert into messages (mailing_id, client_id)
    select ${mailingId}, unnest(${clientIds}::bigint[])
    on conflict (mailing_id, client_id) do nothing
    returning id, mailing_id, client_id`;
  return rows.map(toSend);
}

/** The highest client that has a message of this mailing: where its fan-out goes on. */
export async function lastClientOf(q: Queryable, mailingId: number): Promise<number> {
  const [{ after }] = await q<{ after: string }[]>`
    select coalesce(max(client_id), 0) as after from messages where mailing_id = ${mailingId}`;
  return Number(after);
}

/** Deferred messages whose time has come are pending again (those nobody else holds). */
export async function releaseDeferred(
  q: Queryable,
  now: Date,
  limit: number,
): Promise<SendRequested[]> {
  const rows = await q<SendRow[]>`
    with due as (
      select id from messages where status = 'deferred' and due_at <= ${now}
      order by due_at limit ${limit} for update skip locked
    )
    update messages m set status = 'pending', due_at = null
    from due where m.id = due.id
    returning m.id, m.mailing_id, m.client_id`;
  return rows.map(toSend);
}

/** What was not yet sent to this client or for these mailings expires, with the reason. */
export async function expireUnsent(
  q: Queryable,
  of: { clientId: number } | { mailingIds: number[] },
  reason: string,
): Promise<void> {
  await q`
    update messages set status = 'expired', last_error = ${reason}, due_at = null
    where ${
    "clientId" in of
      ? q`client_id = ${of.clientId}`
      : q`mailing_id = any(${of.mailingIds}::bigint[])`
  }
      and status in ('pending', 'deferred')`;
}

/** Ended mailings: what they did not send expires, after the error it last had. */
export async function expireEnded(q: Queryable, mailingIds: number[]): Promise<void> {
  await q`
    update messages set status = 'expired', due_at = null,
      last_error = coalesce(last_error || '; ', '') || 'the mailing ended before it was sent'
    where mailing_id = any(${mailingIds}::bigint[]) and status in ('pending', 'deferred')`;
}

/** A changed filter: clients that no longer match lose their unsent messages. */
export async function expireUnmatched(
  q: Queryable,
  mailingId: number,
  filter: MailingFields["filter"],
): Promise<void> {
  await q`
    update messages m set status = 'expired', due_at = null,
      last_error = 'the client no longer matches the mailing filter'
    from clients c
    where m.mailing_id = ${mailingId} and m.client_id = c.id
      and m.status in ('pending', 'deferred')
      and not ((cardinality(${filter.operator_codes}::text[]) = 0
                or c.operator_code = any(${filter.operator_codes}::text[]))
           and (cardinality(${filter.tags}::text[]) = 0
                or c.tag = any(${filter.tags}::text[])))`;
}
