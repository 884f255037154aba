/** What the auditlog service provisions and decodes: its family, dead letters, idempotency. */
import { deadLetterCatalog, idempotencyCatalog, mergeCatalogs } from "@flotilla/backbone";
import { auditCatalog } from "@flotilla/contracts";

export const auditlogCatalog = mergeCatalogs(deadLetterCatalog, idempotencyCatalog, auditCatalog);
