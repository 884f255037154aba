/** Streams, consumers, buckets and event types of the accounts family. */
import { defineCatalog } from "../catalog.ts";

export const accountsCatalog = defineCatalog({});
