/** Queries of the read model. Pending listings (user not arrived yet) are never returned. */
import type { Queryable } from "@flotilla/backbone";
import { containsPattern, type ViewItem, type ViewQuery } from "../domain/view.ts";

interface Row {
  id: number;
  user_id: number;
  listing_type: "rent" | "sale";
  price: number;
  photos: ViewItem["photos"];
  created_at: number;
  updated_at: number;
  user: ViewItem["user"];
}

const columns = (db: Queryable) =>
  db`id, user_id, listing_type, price::float8 as price, photos,
    created_at::float8 as created_at, updated_at::float8 as updated_at, "user"`;

const toItem = (r: Row): ViewItem => ({
  id: r.id,
  user_id: r.user_id,
  listing_type: r.listing_type,
  price: r.price,
  created_at: r.created_at,
  updated_at: r.updated_at,
  photos: r.photos,
  user: r.user,
});

/** Newest first; every filter is optional. */
export async function queryListings(db: Queryable, q: ViewQuery): Promise<ViewItem[]> {
  const filters = [db`"user" is not null`];
  if (q.user_id !== undefined) filters.push(db`user_id = ${q.user_id}`);
  if (q.listing_type !== undefined) filters.push(db`listing_type = ${q.listing_type}`);
  if (q.min_price !== undefined) filters.push(db`price >= ${q.min_price}`);
  if (q.max_price !== undefined) filters.push(db`price <= ${q.max_price}`);
  if (q.q !== undefined) filters.push(db`"user"->>'name' ilike ${containsPattern(q.q)}`);
  const where = filters.reduce((acc, f) => db`${acc} and ${f}`);
  const rows = await db<Row[]>`
    select ${columns(db)} from listing_view where ${where}
    order by listing_view.created_at desc, listing_view.id desc
    limit ${q.page_size} offset ${(q.page_num - 1) * q.page_size}`;
  return rows.map(toItem);
}

export async function findListing(db: Queryable, id: number): Promise<ViewItem | undefined> {
  const [row] = await db<Row[]>`
    select ${columns(db)} from listing_view where id = ${id} and "user" is not null`;
  return row ? toItem(row) : undefined;
}
