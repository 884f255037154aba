/** Creating a listing: the row, `listing.created` and its audit record, in one transaction. */
import { assertActsFor, type CommandDeps, type CommandMeta, transact } from "@flotilla/backbone";
import { LISTING_CREATED } from "@flotilla/contracts";
import { insertListing } from "../adapters/listing_repo.ts";
import type { Listing, NewListing } from "../domain/listing.ts";

export function createListing(
  deps: CommandDeps,
  input: NewListing,
  meta: CommandMeta,
): Promise<Listing> {
  assertActsFor(meta, input.user_id, "the new listing");
  return transact(deps, meta, async (tx, emit) => {
    const listing = await insertListing(tx, input);
    emit.event(LISTING_CREATED, listing.id, listing);
    emit.audit({
      action: "listing.created",
      target: { type: "listing", id: listing.id },
      after: listing,
    });
    return listing;
  });
}
