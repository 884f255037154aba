/** The read side's consumers: users and listings streams into the projection. */
import type { NatsConnection } from "@nats-io/transport";
import {
  type Catalog,
  type Logger,
  type Metrics,
  type RunningConsumer,
  type Sql,
  startConsumer,
} from "../../../shared/mod.ts";
import {
  LISTINGS_STREAM,
  type ListingSnapshot,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "../../../shared/fleet/listings.ts";
import { createProjection } from "../adapters/projection.ts";

export interface ViewConsumerDeps {
  nc: NatsConnection;
  catalog: Catalog;
  sql: Sql;
  logger: Logger;
  metrics?: Metrics;
  concurrency?: number;
}

/** Starts both durable consumers; each event is applied in its own inbox transaction. */
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
    startConsumer<ListingSnapshot>({
      ...common,
      stream: LISTINGS_STREAM,
      durable: VIEW_LISTINGS_CONSUMER,
      handler: async (event, ctx) => {
        const outcome = await projection.applyListing(ctx.tx, event.data);
        if (outcome === "pending") {
          ctx.logger.info("listing pending until its user arrives", {
            listing_id: event.data.id,
            user_id: event.data.user_id,
          });
        }
      },
    }),
  ];
}
