/** What the auditlog service provisions and decodes: its family, dead letters, idempotency. */
import { deadLetterCatalog, idempotencyCatalog, mergeCatalogs } from "../../shared/mod.ts";
import { auditCatalog } from "../../shared/fleet/audit.ts";

export const auditlogCatalog = mergeCatalogs(deadLetterCatalog, idempotencyCatalog, auditCatalog);
