/**
 * Applies user and listing snapshots to the read model. Every apply is idempotent and ignores
 * stale versions, so redeliveries and reordering across consumers change nothing. The live
 * consumers order work per user with an advisory lock (exclusive for the user, shared for its
 * listings): a listing and its user arriving at once cannot both miss each other, and a listing
 * whose user has not arrived stays pending ("user" null) until `applyUser` completes it. Tables are parameters so the rebuild can fill
 * fresh ones. Lock order is always users table, then listings table (the rebuild swap too).
 */
import type { Queryable } from "@flotilla/backbone";
import type { ListingSnapshot, UserSnapshot } from "@flotilla/contracts";

export interface ViewTables {
  users: string;
  listings: string;
}

/** The user as embedded in each of their listings. */
type EmbeddedUser = Pick<UserSnapshot, "id" | "name" | "created_at" | "updated_at">;

export const LIVE_TABLES: ViewTables = { users: "view_users", listings: "listing_view" };

/** Namespace of the per-user advisory locks (first key of pg_advisory_xact_lock(int, int)). */
const LOCK_SPACE = 8086;

export interface ListingOutcome {
  applied: number;
  /** Ids stored without their user, waiting for it. */
  pending: number[];
  /** Older than what the view holds, or superseded within the batch. */
  stale: number;
}

export interface Projection {
  applyUser(tx: Queryable, user: UserSnapshot): Promise<"applied" | "stale">;
  /** Applies snapshots in one statement; listings whose user is unknown are kept pending. */
  applyListings(tx: Queryable, listings: ListingSnapshot[]): Promise<ListingOutcome>;
}

export function createProjection(
  tables: ViewTables = LIVE_TABLES,
  options: { serialize?: boolean } = {},
): Projection {
  const serialize = options.serialize ?? true;
  // A user's snapshot takes its lock exclusively; listings take it shared, so listings of one
  // user still apply in parallel with each other but never interleave with their user's change.
  const lockUser = async (tx: Queryable, userId: number, mode: "exclusive" | "shared") => {
    if (!serialize) return;
    if (mode === "exclusive") await tx`select pg_advisory_xact_lock(${LOCK_SPACE}, ${userId})`;
    else await tx`select pg_advisory_xact_lock_shared(${LOCK_SPACE}, ${userId})`;
  };
  return {
    async applyUser(tx, user) {
      await lockUser(tx, user.id, "exclusive");
      const users = tx(tables.users);
      const applied = await tx`
        insert into ${users} (id, name, created_at, updated_at, version)
        values (${user.id}, ${user.name}, ${user.created_at}, ${user.updated_at}, ${user.version})
        on conflict (id) do update set
          name = excluded.name, created_at = excluded.created_at,
          updated_at = excluded.updated_at, version = excluded.version
        where ${users}.version < excluded.version
        returning id`;
      if (applied.length === 0) return "stale";
      const embedded: EmbeddedUser = {
        id: user.id,
        name: user.name,
        created_at: user.created_at,
        updated_at: user.updated_at,
      };
      await tx`
        update ${tx(tables.listings)} set "user" = ${tx.json(embedded)}
        where user_id = ${user.id}`;
      return "applied";
    },

    async applyListings(tx, incoming) {
      // Highest version per listing: one row each, in id order (a stable row-lock order).
      const latest = new Map<number, ListingSnapshot>();
      for (const l of incoming) {
        const seen = latest.get(l.id);
        if (!seen || seen.version < l.version) latest.set(l.id, l);
      }
      const listings = [...latest.values()].sort((a, b) => a.id - b.id);
      const userIds = [...new Set(listings.map((l) => l.user_id))].sort((a, b) => a - b);
      if (serialize) {
        await tx`
          select count(pg_advisory_xact_lock_shared(${LOCK_SPACE}, u))
          from (select u from unnest(${userIds}::int[]) u order by u) ordered`;
      }
      // Read the users first, in their own statement: keeps the users-then-listings lock order.
      const users = new Map(
        (await tx<{ id: number; doc: EmbeddedUser }[]>`
          select id, jsonb_build_object(
            'id', id, 'name', name, 'created_at', created_at, 'updated_at', updated_at) as doc
          from ${tx(tables.users)} where id = any(${userIds}::int[])`).map((r) => [r.id, r.doc]),
      );
      const rows = listings.map((l) => ({ ...l, user: users.get(l.user_id) ?? null }));
      const target = tx(tables.listings);
      const applied = await tx<{ id: number; pending: boolean }[]>`
        insert into ${target}
          (id, user_id, listing_type, price, photos, created_at, updated_at, version, "user")
        select id, user_id, listing_type, price, photos, created_at, updated_at, version, "user"
        from jsonb_to_recordset(${tx.json(rows)})
          as r(id int, user_id int, listing_type text, price bigint, photos jsonb,
            created_at bigint, updated_at bigint, version int, "user" jsonb)
        on conflict (id) do update set
          user_id = excluded.user_id, listing_type = excluded.listing_type,
          price = excluded.price, photos = excluded.photos, created_at = excluded.created_at,
          updated_at = excluded.updated_at, version = excluded.version, "user" = excluded."user",
          projected_at = clock_timestamp()
        where ${target}.version < excluded.version
        returning id, "user" is null as pending`;
      const pending = applied.filter((r) => r.pending).map((r) => r.id);
      return {
        applied: applied.length - pending.length,
        pending,
        stale: incoming.length - applied.length,
      };
    },
  };
}
