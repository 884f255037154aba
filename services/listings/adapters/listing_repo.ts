/** Postgres access for listings. Timestamps leave the database as microseconds since the epoch. */
import type { Queryable } from "@flotilla/backbone";
import type { Listing, Photo } from "../domain/listing.ts";

interface Row {
  id: number;
  user_id: number;
  listing_type: "rent" | "sale";
  price: number;
  photos: Photo[];
  version: number;
  created_at: number;
  updated_at: number;
}

const toListing = (r: Row): Listing => ({
  id: r.id,
  user_id: r.user_id,
  listing_type: r.listing_type,
  price: r.price,
  photos: r.photos,
  created_at: r.created_at,
  updated_at: r.updated_at,
  version: r.version,
});

const columns = (db: Queryable) =>
  db`id, user_id, listing_type, price::float8 as price, photos, version,
    (extract(epoch from created_at) * 1000000)::float8 as created_at,
    (extract(epoch from updated_at) * 1000000)::float8 as updated_at`;

export async function insertListing(
  tx: Queryable,
  input: { user_id: number; listing_type: "rent" | "sale"; price: number },
): Promise<Listing> {
  const [row] = await tx<Row[]>`
    insert into listings (user_id, listing_type, price)
    values (${input.user_id}, ${input.listing_type}, ${input.price})
    returning ${columns(tx)}`;
  return toListing(row);
}

export async function findListing(
  db: Queryable,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<Listing | undefined> {
  const lock = options.forUpdate ? db`for update` : db``;
  const [row] = await db<Row[]>`select ${columns(db)} from listings where id = ${id} ${lock}`;
  return row ? toListing(row) : undefined;
}

export async function saveListing(tx: Queryable, listing: Listing): Promise<void> {
  await tx`
    update listings set
      listing_type = ${listing.listing_type},
      price = ${listing.price},
      photos = ${tx.json(listing.photos)},
      version = ${listing.version},
      updated_at = timestamptz 'epoch' + ${listing.updated_at} * interval '1 microsecond'
    where id = ${listing.id}`;
}

export async function listListings(
  db: Queryable,
  query: { page_num: number; page_size: number; user_id?: number },
): Promise<Listing[]> {
  const where = query.user_id === undefined ? db`` : db`where user_id = ${query.user_id}`;
  const rows = await db<Row[]>`
    select ${columns(db)} from listings ${where}
    order by listings.created_at desc, listings.id desc
    limit ${query.page_size} offset ${(query.page_num - 1) * query.page_size}`;
  return rows.map(toListing);
}
