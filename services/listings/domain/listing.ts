/** Listings: request schemas and the rules of a change. Pure: no I/O. */
import { z } from "@hono/zod-openapi";
import {
  decimalId,
  idNumber,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@flotilla/backbone";
import {
  type ListingSnapshot,
  listingTypeSchema,
  pageQueryShape,
  type Photo,
  resultNotFound,
} from "@flotilla/contracts";

export type Listing = ListingSnapshot;
export type { Photo };

const price = z.number().int("must be an integer").positive("must be greater than 0")
  .max(Number.MAX_SAFE_INTEGER).openapi({ example: 250000 });

export const createListingSchema = z.object({
  user_id: idNumber().openapi({ example: 1 }),
  listing_type: listingTypeSchema,
  price,
}).openapi("CreateListing");
export type NewListing = z.infer<typeof createListingSchema>;

export const updateListingSchema = z.object({
  listing_type: listingTypeSchema.optional(),
  price: price.optional(),
}).refine((v) => v.listing_type !== undefined || v.price !== undefined, {
  message: "give listing_type, price or both",
}).openapi("UpdateListing");
export type ListingPatch = z.infer<typeof updateListingSchema>;

export const photoSchema = z.object({
  name: z.string(),
  size: z.number().int(),
  digest: z.string(),
  content_type: z.string(),
  uploaded_at: z.number().int(),
}).openapi("Photo");

export const listingSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  listing_type: listingTypeSchema,
  price: z.number().int(),
  photos: z.array(photoSchema),
  created_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  updated_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  version: z.number().int(),
}).openapi("Listing");

export const listQuerySchema = z.object({
  ...pageQueryShape,
  user_id: decimalId().optional(),
});

export const listingNotFound = (id: number): NotFoundError =>
  resultNotFound(`Listing ${id} not found`);
export const photoNotFound = (id: number, name: string): NotFoundError =>
  resultNotFound(`Listing ${id} has no photo "${name}"`);

function bump(listing: Listing, now: number, change: Partial<Listing>): Listing {
  return {
    ...listing,
    ...change,
    updated_at: Math.max(now, listing.updated_at),
    version: listing.version + 1,
  };
}

/** The listing after a PATCH; `undefined` when nothing would change. */
export function applyPatch(
  listing: Listing,
  patch: ListingPatch,
  now: number,
): Listing | undefined {
  const change: Partial<Listing> = {};
  if (patch.listing_type !== undefined && patch.listing_type !== listing.listing_type) {
    change.listing_type = patch.listing_type;
  }
  if (patch.price !== undefined && patch.price !== listing.price) change.price = patch.price;
  return Object.keys(change).length === 0 ? undefined : bump(listing, now, change);
}

/** Adds a photo, or replaces the one with the same name (keeping its place). */
export function withPhoto(listing: Listing, photo: Photo, now: number): Listing {
  const at = listing.photos.findIndex((p) => p.name === photo.name);
  const photos = at === -1
    ? [...listing.photos, photo]
    : listing.photos.map((p, i) => i === at ? photo : p);
  return bump(listing, now, { photos });
}

/** Removes a photo; `undefined` when the listing has no photo of that name. */
export function withoutPhoto(listing: Listing, name: string, now: number): Listing | undefined {
  if (!listing.photos.some((p) => p.name === name)) return undefined;
  return bump(listing, now, { photos: listing.photos.filter((p) => p.name !== name) });
}

export const PHOTO_TYPES = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/avif",
  "image/heic",
] as const;
export const PHOTO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The object store name of a listing's photo. */
export const photoObjectName = (listingId: number, name: string) => `listing/${listingId}/${name}`;

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined | null): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Refuses what is not an image type we take (415), or says it is too large (413), up front. */
export function checkPhotoUpload(contentType: string, declaredBytes: number, maxBytes: number) {
  const types: readonly string[] = PHOTO_TYPES;
  if (!types.includes(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Cannot store photo: content type must be one of ${types.join(", ")}, got "${
        contentType || "none"
      }"`,
    );
  }
  if (declaredBytes > maxBytes) {
    throw new PayloadTooLargeError(
      `Cannot store photo: ${declaredBytes} bytes exceeds the limit of ${maxBytes} bytes`,
    );
  }
}

export const emptyPhoto = () =>
  ValidationError.of("Cannot store photo", [{ path: "body", message: "is empty" }]);
