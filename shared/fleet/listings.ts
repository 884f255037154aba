/** Streams, consumers, buckets and event types of the listings family. */
import { defineCatalog } from "../catalog.ts";

export const listingsCatalog = defineCatalog({});
