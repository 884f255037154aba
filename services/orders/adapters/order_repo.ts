/** Orders in Postgres, normalized: orders, deliveries, payments, items. */
import type { Queryable, Sql } from "@flotilla/backbone";
import type { Order } from "../domain/order.ts";

export interface StoredOrder {
  order: Order;
  /** Stream sequence of the message: a lower one never replaces a higher one. */
  seq: number;
  /** The wire JSON; its hash decides whether a version is new. */
  json: string;
  hash: string;
}

/**
 * Writes new orders and replaces changed ones, in the caller's transaction. An order whose
 * content is unchanged, or that is older than the stored version, is left alone. Returns the
 * versions that were written.
 *
 * The batch travels as one JSON array made of the orders' wire JSON (already validated and
 * serialized), and Postgres takes it apart: no per-field serialization in JavaScript, and the
 * same statement text for any batch size.
 */
export async function saveOrders(tx: Queryable, batch: StoredOrder[]): Promise<StoredOrder[]> {
  if (batch.length === 0) return [];
  // The latest version in a batch wins, as it would have one batch later.
  const byUid = new Map<string, StoredOrder>();
  for (const s of batch) {
    const seen = byUid.get(s.order.order_uid);
    if (!seen || seen.seq < s.seq) byUid.set(s.order.order_uid, s);
  }
  const latest = [...byUid.values()];
  const written = await tx<{ order_uid: string; inserted: boolean }[]>`
    insert into orders (order_uid, track_number, entry, locale, internal_signature, customer_id,
      delivery_service, shardkey, sm_id, oof_shard, date_created, content_hash, source_seq,
      created_at)
    select o->>'order_uid', o->>'track_number', o->>'entry', o->>'locale',
      o->>'internal_signature', o->>'customer_id', o->>'delivery_service', o->>'shardkey',
      (o->>'sm_id')::bigint, o->>'oof_shard', o->>'date_created', v.hash, v.seq,
      (o->>'date_created')::timestamptz
    from jsonb_array_elements(${jsonArray(latest)}::text::jsonb) with ordinality as e (o, n)
    join unnest(${tx.array(latest.map((s) => s.hash))}::text[],
      ${tx.array(latest.map((s) => s.seq))}::bigint[]) with ordinality as v (hash, seq, n)
      on v.n = e.n
    -- Row locks in one order across concurrent batches: no deadlocks between workers.
    order by 1
    on conflict (order_uid) do update set
      track_number = excluded.track_number, entry = excluded.entry, locale = excluded.locale,
      internal_signature = excluded.internal_signature, customer_id = excluded.customer_id,
      delivery_service = excluded.delivery_service, shardkey = excluded.shardkey,
      sm_id = excluded.sm_id, oof_shard = excluded.oof_shard, date_created = excluded.date_created,
      created_at = excluded.created_at, content_hash = excluded.content_hash,
      source_seq = excluded.source_seq, updated_at = now()
    where orders.content_hash <> excluded.content_hash and orders.source_seq < excluded.source_seq
    returning order_uid, (xmax = 0) as inserted`;
  if (written.length === 0) return [];
  const replaced = written.filter((r) => !r.inserted).map((r) => r.order_uid);
  if (replaced.length > 0) {
    await tx`delete from deliveries where order_uid = any(${tx.array(replaced)}::text[])`;
    await tx`delete from payments where order_uid = any(${tx.array(replaced)}::text[])`;
    await tx`delete from items where order_uid = any(${tx.array(replaced)}::text[])`;
  }
  const uids = new Set(written.map((r) => r.order_uid));
  const fresh = latest.filter((s) => uids.has(s.order.order_uid));
  await tx`
    with input as (select o from jsonb_array_elements(${jsonArray(fresh)}::text::jsonb) as e (o)),
    deliveries_in as (
      insert into deliveries (order_uid, name, phone, zip, city, address, region, email)
      select o->>'order_uid', d->>'name', d->>'phone', d->>'zip', d->>'city', d->>'address',
        d->>'region', d->>'email'
      from input, lateral (select o->'delivery' as d) x
    ),
    payments_in as (
      insert into payments (order_uid, transaction, request_id, currency, provider, amount,
        payment_dt, bank, delivery_cost, goods_total, custom_fee)
      select o->>'order_uid', p->>'transaction', p->>'request_id', p->>'currency',
        p->>'provider', (p->>'amount')::bigint, (p->>'payment_dt')::bigint, p->>'bank',
        (p->>'delivery_cost')::bigint, (p->>'goods_total')::bigint, (p->>'custom_fee')::bigint
      from input, lateral (select o->'payment' as p) x
    )
    insert into items (order_uid, position, chrt_id, track_number, price, rid, name, sale, size,
      total_price, nm_id, brand, status)
    select o->>'order_uid', (i.n - 1)::int, (it->>'chrt_id')::bigint, it->>'track_number',
      (it->>'price')::bigint, it->>'rid', it->>'name', (it->>'sale')::int, it->>'size',
      (it->>'total_price')::bigint, (it->>'nm_id')::bigint, it->>'brand', (it->>'status')::int
    from input, jsonb_array_elements(o->'items') with ordinality as i (it, n)`;
  return fresh;
}

/** The orders' wire JSON as one JSON array, without serializing them again (sent as text: a
 * jsonb parameter would be JSON-encoded once more by the client). */
function jsonArray(orders: StoredOrder[]): string {
  return `[${orders.map((s) => s.json).join(",")}]`;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v); // int8 arrives as text from postgres.js
const str = (v: unknown) => String(v);

/** Loads whole orders by id; the result keeps the ids' order and skips unknown ones. */
export async function loadOrders(sql: Queryable, uids: string[]): Promise<Order[]> {
  if (uids.length === 0) return [];
  const orders = await sql<Row[]>`select * from orders where order_uid = any(${uids})`;
  if (orders.length === 0) return []; // a miss costs one query
  const [deliveries, payments, items] = await Promise.all([
    sql<Row[]>`select * from deliveries where order_uid = any(${uids})`,
    sql<Row[]>`select * from payments where order_uid = any(${uids})`,
    sql<Row[]>`select * from items where order_uid = any(${uids}) order by order_uid, position`,
  ]);
  const byUid = <T extends Row>(rows: T[]) => new Map(rows.map((r) => [str(r.order_uid), r]));
  const d = byUid(deliveries);
  const p = byUid(payments);
  const it = new Map<string, Row[]>();
  for (const row of items) {
    const list = it.get(str(row.order_uid)) ?? [];
    list.push(row);
    it.set(str(row.order_uid), list);
  }
  const o = byUid(orders);
  const out: Order[] = [];
  for (const uid of uids) {
    const row = o.get(uid);
    const delivery = d.get(uid);
    const payment = p.get(uid);
    if (!row || !delivery || !payment) continue;
    out.push({
      order_uid: uid,
      track_number: str(row.track_number),
      entry: str(row.entry),
      delivery: {
        name: str(delivery.name),
        phone: str(delivery.phone),
        zip: str(delivery.zip),
        city: str(delivery.city),
        address: str(delivery.address),
        region: str(delivery.region),
        email: str(delivery.email),
      },
      payment: {
        transaction: str(payment.transaction),
        request_id: str(payment.request_id),
        currency: str(payment.currency),
        provider: str(payment.provider),
        amount: num(payment.amount),
        payment_dt: num(payment.payment_dt),
        bank: str(payment.bank),
        delivery_cost: num(payment.delivery_cost),
        goods_total: num(payment.goods_total),
        custom_fee: num(payment.custom_fee),
      },
      items: (it.get(uid) ?? []).map((i) => ({
        chrt_id: num(i.chrt_id),
        track_number: str(i.track_number),
        price: num(i.price),
        rid: str(i.rid),
        name: str(i.name),
        sale: num(i.sale),
        size: str(i.size),
        total_price: num(i.total_price),
        nm_id: num(i.nm_id),
        brand: str(i.brand),
        status: num(i.status),
      })),
      locale: str(row.locale),
      internal_signature: str(row.internal_signature),
      customer_id: str(row.customer_id),
      delivery_service: str(row.delivery_service),
      shardkey: str(row.shardkey),
      sm_id: num(row.sm_id),
      date_created: str(row.date_created),
      oof_shard: str(row.oof_shard),
    });
  }
  return out;
}

export interface Page {
  orders: Order[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  next: { date_created: string; order_uid: string } | null;
}

/** The newest orders first (by date_created), keyset-paginated. */
export async function listNewest(
  sql: Queryable,
  limit: number,
  after?: { date_created: string; order_uid: string },
): Promise<Page> {
  const rows = after
    ? await sql<{ order_uid: string; date_created: string }[]>`
        select order_uid, date_created from orders
        where (created_at, order_uid) < (${after.date_created}::timestamptz, ${after.order_uid})
        order by created_at desc, order_uid desc limit ${limit + 1}`
    : await sql<{ order_uid: string; date_created: string }[]>`
        select order_uid, date_created from orders
        order by created_at desc, order_uid desc limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const orders = await loadOrders(sql, page.map((r) => r.order_uid));
  const last = page.at(-1);
  return {
    orders,
    next: rows.length > limit && last
      ? { date_created: last.date_created, order_uid: last.order_uid }
      : null,
  };
}

/** Every order, a page at a time, by order_uid: for refilling the cache. */
export async function* allOrders(sql: Sql, pageSize = 1_000): AsyncGenerator<Order[]> {
  let after = "";
  while (true) {
    const rows = await sql<{ order_uid: string }[]>`
      select order_uid from orders where order_uid > ${after}
      order by order_uid limit ${pageSize}`;
    if (rows.length === 0) return;
    yield await loadOrders(sql, rows.map((r) => r.order_uid));
    after = rows[rows.length - 1].order_uid;
  }
}

export async function hasOrders(sql: Queryable): Promise<boolean> {
  const rows = await sql`select 1 from orders limit 1`;
  return rows.length > 0;
}
