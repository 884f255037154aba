/**
 * The fleet catalog: every stream, durable consumer, KV bucket, object bucket and event type
 * of Flotilla, in one place. Each family declares its part in its own file.
 */
import {
  apiKeysCatalog,
  deadLetterCatalog,
  idempotencyCatalog,
  mergeCatalogs,
} from "@flotilla/backbone";
import { accountsCatalog } from "./accounts.ts";
import { auditCatalog } from "./audit.ts";
import { listingsCatalog } from "./listings.ts";
import { mailerCatalog } from "./mailer.ts";
import { ordersCatalog } from "./orders.ts";
import { transactionsCatalog } from "./transactions.ts";

export const fleetCatalog = mergeCatalogs(
  deadLetterCatalog,
  idempotencyCatalog,
  apiKeysCatalog,
  accountsCatalog,
  transactionsCatalog,
  auditCatalog,
  listingsCatalog,
  ordersCatalog,
  mailerCatalog,
);
