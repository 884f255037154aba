/**
 * The read side's consumers: the users and listings streams into the projection. A projection
 * write is not a command (it decides nothing and announces nothing: the event already happened),
 * so the handlers only hand the snapshots to the projection, in the consumer's transaction,
 * where the inbox records the event with its effect.
 */
import type { ConsumerDeclaration } from "@flotilla/backbone";
import {
  LISTINGS_STREAM,
  type ListingSnapshot,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "@flotilla/contracts";
import { createProjection } from "./adapters/projection.ts";

export interface ViewConsumerOptions {
  /** Users consumer: snapshots applied at once. */
  concurrency?: number;
  /** Listings consumer: events per transaction, and how long a partial batch waits. */
  batchSize?: number;
  batchWaitMs?: number;
}

export function viewConsumers(options: ViewConsumerOptions = {}): ConsumerDeclaration[] {
  const projection = createProjection();
  const users: ConsumerDeclaration<UserSnapshot> = {
    stream: USERS_STREAM,
    durable: VIEW_USERS_CONSUMER,
    transactional: true,
    concurrency: options.concurrency ?? 16,
    handler: async (event, ctx) => {
      const outcome = await projection.applyUser(ctx.tx, event.data);
      if (outcome === "stale") ctx.logger.debug("stale user snapshot ignored");
    },
  };
  // Listings arrive fast and independently: applied in batches, one statement per batch.
  const listings: ConsumerDeclaration<ListingSnapshot> = {
    stream: LISTINGS_STREAM,
    durable: VIEW_LISTINGS_CONSUMER,
    transactional: true,
    batch: {
      size: options.batchSize ?? 200,
      maxWaitMs: options.batchWaitMs ?? 5,
      handler: async (events, ctx) => {
        const outcome = await projection.applyListings(ctx.tx, events.map((e) => e.data));
        if (outcome.pending.length > 0) {
          ctx.logger.info("listings pending until their user arrives", {
            listing_ids: outcome.pending,
          });
        }
      },
    },
  };
  return [users, listings];
}
