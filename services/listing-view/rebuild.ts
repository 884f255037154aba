/**
 * Rebuilds the read model from the streams while the service keeps answering:
 * 1. fresh tables shaped like the live ones;
 * 2. replay USERS, then LISTINGS, from their first message to their last at the start;
 * 3. catch up on what arrived meanwhile, until little is left;
 * 4. in one transaction: lock the live tables (queries wait a moment, nothing fails), apply the
 *    last few events, swap the fresh tables in by renaming, drop the old ones.
 * Live consumers keep writing to the old tables until the swap; whatever they applied there
 * came from the streams, so the catch-up replays it into the fresh tables. A consumer write
 * blocked by the swap lands in the new table once it is released (Postgres resolves the table
 * name again after waiting for the lock), and stale versions are ignored there.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import {
  type Catalog,
  ConflictError,
  type Envelope,
  envelopeDecoder,
  errorMessage,
  type Logger,
  type Queryable,
  type Sql,
} from "@flotilla/backbone";
import {
  LISTINGS_STREAM,
  type ListingSnapshot,
  USERS_STREAM,
  type UserSnapshot,
} from "@flotilla/contracts";
import { createProjection, LIVE_TABLES, type ViewTables } from "./adapters/projection.ts";

export interface RebuildOptions {
  sql: Sql;
  nc: NatsConnection;
  catalog: Catalog;
  logger: Logger;
  /** Events applied per transaction while filling the fresh tables. */
  batchSize?: number;
  /** Catch up without locks until at most this many events are left. */
  catchUpThreshold?: number;
}

export interface RebuildReport {
  users: number;
  listings: number;
  skipped: number;
  durationMs: number;
}

/** Session advisory lock held for the whole rebuild: two at once would share the fresh tables. */
const REBUILD_LOCK = 80860;
const NEXT: ViewTables = { users: "view_users_next", listings: "listing_view_next" };
const OLD: ViewTables = { users: "view_users_old", listings: "listing_view_old" };

export async function rebuildView(options: RebuildOptions): Promise<RebuildReport> {
  const guard = await options.sql.reserve();
  try {
    const [{ locked }] = await guard`select pg_try_advisory_lock(${REBUILD_LOCK}) as locked`;
    if (!locked) throw new ConflictError("Cannot rebuild listing-view: another rebuild is running");
    try {
      return await rebuildLocked(options);
    } finally {
      await guard`select pg_advisory_unlock(${REBUILD_LOCK})`;
    }
  } finally {
    guard.release();
  }
}

async function rebuildLocked(options: RebuildOptions): Promise<RebuildReport> {
  const { sql, nc, catalog, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const threshold = options.catchUpThreshold ?? 200;
  const started = performance.now();
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const decode = envelopeDecoder<unknown>(catalog);
  const projection = createProjection(NEXT, { serialize: false });
  const report: RebuildReport = { users: 0, listings: 0, skipped: 0, durationMs: 0 };

  const lastSeq = async (stream: string) => (await jsm.streams.info(stream)).state.last_seq;

  /** Applies stream messages (from, to] in order, in transactions of `batchSize` on `db`. */
  async function replay(
    stream: string,
    from: number,
    to: number,
    db: Queryable | Sql,
  ): Promise<number> {
    if (to <= from) return from;
    const consumer = await js.consumers.get(stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from + 1,
    });
    const messages = await consumer.consume({ max_messages: batchSize * 2 });
    let batch: Envelope<unknown>[] = [];
    let reached = from;
    const flush = async () => {
      const events = batch;
      batch = [];
      if (events.length === 0) return;
      const run = async (tx: Queryable) => {
        if (stream === USERS_STREAM) {
          for (const event of events) await projection.applyUser(tx, event.data as UserSnapshot);
          report.users += events.length;
        } else {
          await projection.applyListings(tx, events.map((e) => e.data as ListingSnapshot));
          report.listings += events.length;
        }
      };
      if ("begin" in db) await db.begin(run);
      else await run(db);
    };
    try {
      for await (const msg of messages) {
        try {
          batch.push(decode(msg));
        } catch (err) {
          // The live consumer dead-lettered it too; the rebuild cannot do better.
          report.skipped++;
          logger.warn("rebuild skips an undecodable message", {
            stream,
            seq: msg.seq,
            error: errorMessage(err),
          });
        }
        reached = msg.seq;
        const end = msg.seq >= to || msg.info.pending === 0;
        if (batch.length >= batchSize || end) await flush();
        if (end) break;
      }
    } finally {
      await messages.close().catch(() => {});
    }
    return reached;
  }

  await sql.begin(async (tx) => {
    for (
      const [live, next] of [[LIVE_TABLES.users, NEXT.users], [
        LIVE_TABLES.listings,
        NEXT.listings,
      ]]
    ) {
      await tx`drop table if exists ${tx(next)}`;
      await tx`create table ${tx(next)} (like ${tx(live)} including all)`;
    }
  });

  let users = 0;
  let listings = 0;
  users = await replay(USERS_STREAM, users, await lastSeq(USERS_STREAM), sql);
  listings = await replay(LISTINGS_STREAM, listings, await lastSeq(LISTINGS_STREAM), sql);
  logger.info("rebuild replayed the streams", { users: report.users, listings: report.listings });

  for (let round = 0; round < 10; round++) {
    const [u, l] = [await lastSeq(USERS_STREAM), await lastSeq(LISTINGS_STREAM)];
    if (u - users + (l - listings) <= threshold) break;
    users = await replay(USERS_STREAM, users, u, sql);
    listings = await replay(LISTINGS_STREAM, listings, l, sql);
  }

  await sql.begin(async (tx) => {
    await tx`set local lock_timeout = '15s'`;
    await tx`lock table ${tx(LIVE_TABLES.users)}, ${
      tx(LIVE_TABLES.listings)
    } in access exclusive mode`;
    users = await replay(USERS_STREAM, users, await lastSeq(USERS_STREAM), tx);
    listings = await replay(LISTINGS_STREAM, listings, await lastSeq(LISTINGS_STREAM), tx);
    for (const key of ["users", "listings"] as const) {
      await tx`alter table ${tx(LIVE_TABLES[key])} rename to ${tx(OLD[key])}`;
      await tx`alter table ${tx(NEXT[key])} rename to ${tx(LIVE_TABLES[key])}`;
      await tx`drop table ${tx(OLD[key])}`;
    }
  });
  report.durationMs = Math.round(performance.now() - started);
  logger.info("rebuild swapped in the fresh tables", { ...report });
  return report;
}
