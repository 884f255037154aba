/** Streams, consumers, buckets and event types of the transactions family. */
import { defineCatalog } from "../catalog.ts";

export const transactionsCatalog = defineCatalog({});
