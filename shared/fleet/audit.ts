/** Streams, consumers, buckets and event types of the audit family. */
import { defineCatalog } from "../catalog.ts";

export const auditCatalog = defineCatalog({});
