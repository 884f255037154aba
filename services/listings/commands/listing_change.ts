/** What every change to an existing listing shares: its lock, and how it is saved and announced. */
import type { CommandDeps, Emitter, TransactionSql } from "@flotilla/backbone";
import { LISTING_UPDATED } from "@flotilla/contracts";
import { findListing, saveListing } from "../adapters/listing_repo.ts";
import { type Listing, listingNotFound } from "../domain/listing.ts";

export interface ChangeDeps extends CommandDeps {
  /** Microseconds since the epoch. */
  now: () => number;
}

/** The listing, locked until the transaction ends; 404 when there is none. */
export async function lockListing(tx: TransactionSql, id: number): Promise<Listing> {
  const listing = await findListing(tx, id, { forUpdate: true });
  if (!listing) throw listingNotFound(id);
  return listing;
}

/** Saves the changed listing and emits `listing.updated` with its audit record. */
export async function saveChange(
  tx: TransactionSql,
  emit: Emitter,
  change: { action: string; before: Listing; after: Listing; metadata?: Record<string, unknown> },
): Promise<void> {
  const { action, before, after, metadata } = change;
  await saveListing(tx, after);
  emit.event(LISTING_UPDATED, after.id, after);
  emit.audit({ action, target: { type: "listing", id: after.id }, before, after, metadata });
}
