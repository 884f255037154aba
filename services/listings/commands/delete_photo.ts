/** Deleting a photo: off the listing and out in `listing.updated`, then out of the object store. */
import { assertActsFor, type CommandMeta, transact } from "@flotilla/backbone";
import { photoNotFound, photoObjectName, withoutPhoto } from "../domain/listing.ts";
import { lockListing, saveChange } from "./listing_change.ts";
import type { PhotoDeps } from "./upload_photo.ts";

export async function deletePhoto(
  deps: Omit<PhotoDeps, "maxPhotoBytes">,
  input: { listingId: number; name: string },
  meta: CommandMeta,
): Promise<void> {
  const { listingId: id, name } = input;
  await transact(deps, meta, async (tx, emit) => {
    const before = await lockListing(tx, id);
    assertActsFor(meta, before.user_id, `listing ${id}`);
    const after = withoutPhoto(before, name, deps.now());
    if (!after) throw photoNotFound(id, name);
    await saveChange(tx, emit, {
      action: "listing.photo_deleted",
      before,
      after,
      metadata: { photo: name },
    });
  });
  // After the commit: a failure here leaves an unreferenced object, never a dangling photo.
  await deps.photos.delete(photoObjectName(id, name)).catch((err) =>
    deps.logger.warn("photo object not deleted", {
      name,
      correlation_id: meta.correlationId,
      error: String(err),
    })
  );
}
