/** The read side's consumers: users and listings streams into the projection. */
import type { NatsConnection } from "@nats-io/transport";
import {
  type Catalog,
  type Logger,
  type Metrics,
  type RunningConsumer,
  type Sql,
  startConsumer,
} from "@flotilla/backbone";
import {
  LISTINGS_STREAM,
  type ListingSnapshot,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "@flotilla/contracts";
import { createProjection } from "../adapters/projection.ts";

export interface ViewConsumerDeps {
  nc: NatsConnection;
  catalog: Catalog;
  sql: Sql;
  logger: Logger;
  metrics?: Metrics;
  /** Users consumer: snapshots applied at once. */
  concurrency?: number;
  /** Listings consumer: events per transaction, and how long a partial batch waits. */
  batchSize?: number;
  batchWaitMs?: number;
}

/** Starts both durable consumers; events are recorded in the inbox with their effect. */
export function startViewConsumers(deps: ViewConsumerDeps): RunningConsumer[] {
  const projection = createProjection();
  const common = {
    nc: deps.nc,
    catalog: deps.catalog,
    sql: deps.sql,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 16,
  };
  return [
    startConsumer<UserSnapshot>({
      ...common,
      stream: USERS_STREAM,
      durable: VIEW_USERS_CONSUMER,
      handler: async (event, ctx) => {
        const outcome = await projection.applyUser(ctx.tx, event.data);
        if (outcome === "stale") ctx.logger.debug("stale user snapshot ignored");
      },
    }),
    // Listings arrive fast and independently: applied in batches, one statement per batch.
    startConsumer<ListingSnapshot>({
      nc: deps.nc,
      catalog: deps.catalog,
      sql: deps.sql,
      logger: deps.logger,
      metrics: deps.metrics,
      stream: LISTINGS_STREAM,
      durable: VIEW_LISTINGS_CONSUMER,
      batch: {
        size: deps.batchSize ?? 200,
        maxWaitMs: deps.batchWaitMs ?? 5,
        handler: async (events, ctx) => {
          const outcome = await projection.applyListings(ctx.tx, events.map((e) => e.data));
          if (outcome.pending.length > 0) {
            ctx.logger.info("listings pending until their user arrives", {
              listing_ids: outcome.pending,
            });
          }
        },
      },
    }),
  ];
}
