/**
 * What each service of the fleet may touch: the events it publishes, the durables it pulls
 * from, its buckets (and which keys of the shared idempotency bucket), its database tables,
 * and the secrets it is given. Its NATS permissions, its database privileges and what it waits
 * for at start are all derived from this (packages/backbone/access.ts); `deno task provision
 * --print-permissions` prints the result.
 */
import {
  API_KEYS_BUCKET,
  AUDIT_RECORDED,
  defineAccess,
  IDEMPOTENCY_BUCKET,
  type ServiceAccess,
} from "@flotilla/backbone";
import {
  ACCOUNT_CREATED,
  ACCOUNT_UPDATED,
  ACCOUNTS_TRANSFERS_CONSUMER,
  TRANSFER_COMPLETED,
  TRANSFER_FAILED,
} from "./accounts.ts";
import {
  AUDIT_CHECKPOINT_SUBJECT,
  AUDIT_CHECKPOINTS_STREAM,
  AUDIT_EXPORTS_BUCKET,
  AUDIT_STREAM,
  AUDITLOG_CONSUMER,
} from "./audit.ts";
import {
  LISTING_CREATED,
  LISTING_UPDATED,
  LISTINGS_STREAM,
  PHOTOS_BUCKET,
  USER_CREATED,
  USER_UPDATED,
  USERS_STREAM,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "./listings.ts";
import {
  MAILER_CLAIMS_BUCKET,
  MAILER_SEND_REQUESTED,
  MAILER_SENDER,
  MAILER_SENDS_STREAM,
} from "./mailer.ts";
import { ORDERS_BUCKET, ORDERS_INGEST_CONSUMER, ORDERS_STREAM } from "./orders.ts";
import {
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSACTIONS_STREAM,
  TRANSFER_SUBMITTED,
} from "./transactions.ts";

/** Each service's own keys of the shared idempotency bucket (the middleware prefixes them). */
const idempotencyOf = (service: string) => ({
  bucket: IDEMPOTENCY_BUCKET,
  keys: `${service}.>`,
});

export const accountsAccess = defineAccess({
  service: "accounts",
  publishes: [
    ACCOUNT_CREATED,
    ACCOUNT_UPDATED,
    TRANSFER_COMPLETED,
    TRANSFER_FAILED,
    AUDIT_RECORDED,
  ],
  consumes: [{ stream: TRANSACTIONS_STREAM, durable: ACCOUNTS_TRANSFERS_CONSUMER }],
  kv: [idempotencyOf("accounts")],
  database: {},
});

export const transactionsAccess = defineAccess({
  service: "transactions",
  publishes: [TRANSFER_SUBMITTED, AUDIT_RECORDED],
  consumes: [{ stream: TRANSACTIONS_STREAM, durable: TRANSACTIONS_OUTCOMES_CONSUMER }],
  kv: [idempotencyOf("transactions")],
  database: {},
});

export const auditlogAccess = defineAccess({
  service: "auditlog",
  subjects: [AUDIT_CHECKPOINT_SUBJECT],
  consumes: [{ stream: AUDIT_STREAM, durable: AUDITLOG_CONSUMER }],
  reads: [AUDIT_CHECKPOINTS_STREAM],
  kv: [idempotencyOf("auditlog")],
  objects: [AUDIT_EXPORTS_BUCKET],
  database: {
    tables: {
      // Append-only: rows are added and read, never changed (the chain head moves, that is all).
      audit_logs: ["select", "insert"],
      audit_chain_head: ["select", "update"],
    },
  },
  secrets: { AUDIT_CHAIN_KEYS: "hmac-key", AUDIT_CHECKPOINT_KEY: "ed25519-key" },
});

export const usersAccess = defineAccess({
  service: "users",
  publishes: [USER_CREATED, USER_UPDATED, AUDIT_RECORDED],
  kv: [idempotencyOf("users")],
  database: {},
});

export const listingsAccess = defineAccess({
  service: "listings",
  publishes: [LISTING_CREATED, LISTING_UPDATED, AUDIT_RECORDED],
  kv: [idempotencyOf("listings")],
  objects: [PHOTOS_BUCKET],
  database: {},
});

export const listingViewAccess = defineAccess({
  service: "listing-view",
  consumes: [
    { stream: USERS_STREAM, durable: VIEW_USERS_CONSUMER },
    { stream: LISTINGS_STREAM, durable: VIEW_LISTINGS_CONSUMER },
  ],
  database: {},
});

export const ordersAccess = defineAccess({
  service: "orders",
  consumes: [{ stream: ORDERS_STREAM, durable: ORDERS_INGEST_CONSUMER }],
  // Its cache: the mirror watches it, and a lost bucket is created again and refilled.
  kv: [{ bucket: ORDERS_BUCKET, watch: true, create: true }],
  database: {},
});

export const mailerAccess = defineAccess({
  service: "mailer",
  publishes: [MAILER_SEND_REQUESTED, AUDIT_RECORDED],
  consumes: [{ stream: MAILER_SENDS_STREAM, durable: MAILER_SENDER }],
  kv: [idempotencyOf("mailer"), { bucket: MAILER_CLAIMS_BUCKET }],
  database: {},
});

/**
 * The gateway: NATS only, for the API keys. Its mirror follows the bucket (a watch), reads a key
 * it has not seen yet, and writes records back: a key's last use, and the admin routes' new and
 * revoked keys (`kv.create`, compare-and-set updates, all on `$KV.api-keys.<id>`).
 */
export const gatewayAccess = defineAccess({
  service: "gateway",
  kv: [{ bucket: API_KEYS_BUCKET, watch: true }],
});

/** Every service that connects to NATS or Postgres. */
export const fleetAccess: readonly ServiceAccess[] = [
  accountsAccess,
  transactionsAccess,
  auditlogAccess,
  usersAccess,
  listingsAccess,
  listingViewAccess,
  ordersAccess,
  mailerAccess,
  gatewayAccess,
];

export function accessOf(service: string): ServiceAccess {
  const found = fleetAccess.find((a) => a.service === service);
  if (!found) throw new Error(`No access is declared for service "${service}"`);
  return found;
}
