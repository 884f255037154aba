/** Changing a listing's type or price; a change to the same values changes nothing. */
import { assertActsFor, type CommandMeta, transact } from "@flotilla/backbone";
import { applyPatch, type Listing, type ListingPatch } from "../domain/listing.ts";
import { type ChangeDeps, lockListing, saveChange } from "./listing_change.ts";

export function updateListing(
  deps: ChangeDeps,
  input: { id: number; patch: ListingPatch },
  meta: CommandMeta,
): Promise<Listing> {
  return transact(deps, meta, async (tx, emit) => {
    const before = await lockListing(tx, input.id);
    assertActsFor(meta, before.user_id, `listing ${before.id}`);
    const after = applyPatch(before, input.patch, deps.now());
    if (!after) return before;
    await saveChange(tx, emit, { action: "listing.updated", before, after });
    return after;
  });
}
