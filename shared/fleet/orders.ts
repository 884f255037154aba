/** Streams, consumers, buckets and event types of the orders family. */
import { defineCatalog } from "../catalog.ts";

export const ordersCatalog = defineCatalog({});
