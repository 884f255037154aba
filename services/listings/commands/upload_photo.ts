/**
 * Uploading a photo: its bytes stream into the object store (never held whole), then its
 * metadata goes on the listing and out in `listing.updated` with the audit record. A photo
 * of the same name is replaced, keeping its place.
 */
import { assertActsFor, type CommandMeta, type Logger, transact } from "@flotilla/backbone";
import { findListing } from "../adapters/listing_repo.ts";
import type { PhotoStore } from "../adapters/photo_store.ts";
import {
  checkPhotoUpload,
  emptyPhoto,
  type Listing,
  listingNotFound,
  type Photo,
  photoObjectName,
  withPhoto,
} from "../domain/listing.ts";
import { type ChangeDeps, lockListing, saveChange } from "./listing_change.ts";

export interface PhotoDeps extends ChangeDeps {
  photos: PhotoStore;
  maxPhotoBytes: number;
  logger: Logger;
}

export interface PhotoUpload {
  listingId: number;
  name: string;
  /** The media type, lower-cased, without parameters. */
  contentType: string;
  /** Content-Length as sent; NaN when the body is chunked. */
  declaredBytes: number;
  body: ReadableStream<Uint8Array> | null;
}

export async function uploadPhoto(
  deps: PhotoDeps,
  input: PhotoUpload,
  meta: CommandMeta,
): Promise<{ photo: Photo; listing: Listing; replaced: boolean }> {
  const { listingId: id, name, contentType, body } = input;
  checkPhotoUpload(contentType, input.declaredBytes, deps.maxPhotoBytes);
  const listing = await findListing(deps.sql, id);
  if (!listing) throw listingNotFound(id);
  // Checked before any byte is stored; a listing's owner never changes.
  assertActsFor(meta, listing.user_id, `listing ${id}`);
  if (!body || input.declaredBytes === 0) throw emptyPhoto();
  const objectName = photoObjectName(id, name);
  const info = await deps.photos.put(objectName, contentType, body, deps.maxPhotoBytes);
  if (info.size === 0) {
    await deps.photos.delete(objectName);
    throw emptyPhoto();
  }
  const photo: Photo = {
    name,
    size: info.size,
    digest: info.digest,
    content_type: contentType,
    uploaded_at: deps.now(),
  };
  return transact(deps, meta, async (tx, emit) => {
    const before = await lockListing(tx, id);
    const replaced = before.photos.some((p) => p.name === name);
    const after = withPhoto(before, photo, deps.now());
    await saveChange(tx, emit, {
      action: replaced ? "listing.photo_replaced" : "listing.photo_added",
      before,
      after,
      metadata: { photo: name, size: info.size, content_type: contentType },
    });
    return { photo, listing: after, replaced };
  });
}
