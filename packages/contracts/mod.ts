/**
 * The contracts of the fleet: every stream, consumer, bucket and event schema (the catalog),
 * and the enums more than one service shares. One file per family.
 */
export {
  ACCOUNT_CREATED,
  ACCOUNT_UPDATED,
  type AccountCreated,
  ACCOUNTS_TRANSFERS_CONSUMER,
  type AccountUpdated,
  type FailureReason,
  failureReasonSchema,
  TRANSFER_COMPLETED,
  TRANSFER_FAILED,
  type TransferCompleted,
  type TransferFailed,
  type TransferOutcome,
} from "./accounts.ts";
export {
  accessOf,
  accountsAccess,
  auditlogAccess,
  fleetAccess,
  gatewayAccess,
  listingsAccess,
  listingViewAccess,
  mailerAccess,
  ordersAccess,
  transactionsAccess,
  usersAccess,
} from "./access.ts";
export {
  AUDIT_CHECKPOINT_SUBJECT,
  AUDIT_CHECKPOINTS_STREAM,
  AUDIT_EXPORTS_BUCKET,
  AUDIT_STREAM,
  auditCatalog,
  AUDITLOG_CONSUMER,
} from "./audit.ts";
export { fleetCatalog } from "./fleet.ts";
export {
  LISTING_CREATED,
  LISTING_UPDATED,
  LISTINGS_STREAM,
  type ListingSnapshot,
  listingTypeSchema,
  type Photo,
  PHOTOS_BUCKET,
  USER_CREATED,
  USER_UPDATED,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "./listings.ts";
export {
  idParamSchema,
  pageQueryShape,
  resultNotFound,
  resultResponse,
  resultSchema,
  userNameSchema,
} from "./listings_http.ts";
export {
  MAILER_CLAIMS_BUCKET,
  MAILER_SEND_REQUESTED,
  MAILER_SENDER,
  MAILER_SENDS_STREAM,
  type SendRequested,
} from "./mailer.ts";
export {
  ORDER_SUBMITTED,
  ORDERS_BUCKET,
  ORDERS_INGEST_CONSUMER,
  ORDERS_NEW_SUBJECT,
  ORDERS_STREAM,
  ordersCatalog,
} from "./orders.ts";
export { ALL_SCOPES, isScope, type Scope, SCOPES } from "./scopes.ts";
export {
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSACTIONS_STREAM,
  TRANSFER_SUBMITTED,
  type TransferSubmitted,
} from "./transactions.ts";
