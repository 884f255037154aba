/**
 * The CQRS listings family: `users` and `listings` (write sides) publish full snapshots of their
 * aggregates with a version that grows by one per change; `listing-view` (read side) applies
 * them idempotently and ignores stale versions, so order across aggregates does not matter.
 */
import { z } from "zod";
import { defineCatalog, idNumber, safeText } from "@flotilla/backbone";

export const USERS_STREAM = "USERS";
export const LISTINGS_STREAM = "LISTINGS";
export const USER_CREATED = "user.created";
export const USER_UPDATED = "user.updated";
export const LISTING_CREATED = "listing.created";
export const LISTING_UPDATED = "listing.updated";
/** Durable consumers of the read side: one per stream (nats-server 2.9: one filter each). */
export const VIEW_USERS_CONSUMER = "listing-view-users";
export const VIEW_LISTINGS_CONSUMER = "listing-view-listings";
export const PHOTOS_BUCKET = "listing-photos";

/** Microseconds since the Unix epoch, as the original services wrote their timestamps. */
const micros = z.number().int().nonnegative();
/** Ids and versions are Postgres `integer` columns on both sides. */
const int4 = () => idNumber();

export const userSnapshotSchema = z.object({
  id: int4(),
  name: safeText({ min: 1, max: 200 }),
  created_at: micros,
  updated_at: micros,
  /** 1 when created, +1 per change: the read side ignores anything older than it has. */
  version: int4(),
});
export type UserSnapshot = z.infer<typeof userSnapshotSchema>;

export const photoSchema = z.object({
  name: safeText({ min: 1, max: 128 }),
  size: z.number().int().nonnegative(),
  /** `SHA-256=<base64url>`, as the object store computes it. */
  digest: safeText({ min: 1, max: 128 }),
  content_type: safeText({ min: 1, max: 100 }),
  uploaded_at: micros,
});
export type Photo = z.infer<typeof photoSchema>;

export const listingTypeSchema = z.enum(["rent", "sale"]);
export type ListingType = z.infer<typeof listingTypeSchema>;

export const listingSnapshotSchema = z.object({
  id: int4(),
  user_id: int4(),
  listing_type: listingTypeSchema,
  price: z.number().int().positive(),
  photos: z.array(photoSchema),
  created_at: micros,
  updated_at: micros,
  version: z.number().int().positive(),
});
export type ListingSnapshot = z.infer<typeof listingSnapshotSchema>;

/** listing-view's durable consumer of one stream; both deliver alike. */
function viewConsumer(stream: string, durable: string, filterSubject: string, what: string) {
  return {
    stream,
    durable,
    description: `listing-view: ${what}`,
    filterSubject,
    ackWaitMs: 30_000,
    maxDeliveries: 10,
    maxAckPending: 2_000,
    backoff: { baseMs: 250, maxMs: 30_000 },
  };
}

export const listingsCatalog = defineCatalog({
  streams: [
    {
      name: USERS_STREAM,
      subjects: ["user.>"],
      description: "Users (CQRS write side): user.created, user.updated, full snapshots",
    },
    {
      name: LISTINGS_STREAM,
      subjects: ["listing.>"],
      description: "Listings (CQRS write side): listing.created, listing.updated, full snapshots",
    },
  ],
  consumers: [
    viewConsumer(USERS_STREAM, VIEW_USERS_CONSUMER, "user.>", "embeds users into their listings"),
    viewConsumer(
      LISTINGS_STREAM,
      VIEW_LISTINGS_CONSUMER,
      "listing.>",
      "projects listings (kept pending until their user arrives)",
    ),
  ],
  objects: [{
    bucket: PHOTOS_BUCKET,
    description: "Listing photos, named listing/<id>/<photo name>",
  }],
  events: {
    [USER_CREATED]: { schema: userSnapshotSchema, description: "A user was created" },
    [USER_UPDATED]: { schema: userSnapshotSchema, description: "A user changed (renamed)" },
    [LISTING_CREATED]: { schema: listingSnapshotSchema, description: "A listing was created" },
    [LISTING_UPDATED]: {
      schema: listingSnapshotSchema,
      description: "A listing changed: type, price or photos",
    },
  },
});
