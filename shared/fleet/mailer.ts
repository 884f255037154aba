/** Streams, consumers, buckets and event types of the mailer family. */
import { defineCatalog } from "../catalog.ts";

export const mailerCatalog = defineCatalog({});
