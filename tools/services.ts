/**
 * The fleet as the dev orchestrator runs it: each service's port, database and extra
 * environment. A service whose main.ts does not exist yet is skipped.
 */

export interface ServiceEntry {
  name: string;
  port: number;
  /** Database name; none for services without Postgres. */
  database?: string;
  /** Entry point, relative to the repository root. */
  main: string;
  /** Extra environment, given the URLs of the running fleet. */
  env?: (fleet: FleetUrls) => Record<string, string>;
}

export interface FleetUrls {
  natsUrl: string;
  /** The gateway's Ed25519 signing key (base64 PKCS#8). */
  identitySigningKey: string;
  databaseUrlFor(database: string): string;
  serviceUrl(name: string): string;
}

/** The mailer and the provider simulator agree on it; only the dev fleet uses it. */
const DEV_PROVIDER_TOKEN = "dev-token";

export const services: ServiceEntry[] = [
  { name: "accounts", port: 8081, database: "accounts", main: "services/accounts/main.ts" },
  {
    name: "transactions",
    port: 8082,
    database: "transactions",
    main: "services/transactions/main.ts",
  },
  { name: "auditlog", port: 8083, database: "auditlog", main: "services/auditlog/main.ts" },
  { name: "users", port: 8084, database: "users", main: "services/users/main.ts" },
  { name: "listings", port: 8085, database: "listings", main: "services/listings/main.ts" },
  {
    name: "listing-view",
    port: 8086,
    database: "listing_view",
    main: "services/listing-view/main.ts",
  },
  { name: "orders", port: 8087, database: "orders", main: "services/orders/main.ts" },
  {
    name: "provider-sim",
    port: 8090,
    main: "tools/provider-sim/main.ts",
    env: () => ({ PROVIDER_TOKEN: DEV_PROVIDER_TOKEN }),
  },
  {
    name: "mailer",
    port: 8088,
    database: "mailer",
    main: "services/mailer/main.ts",
    env: (fleet) => ({
      PROVIDER_URL: fleet.serviceUrl("provider-sim"),
      PROVIDER_TOKEN: DEV_PROVIDER_TOKEN,
    }),
  },
  {
    name: "gateway",
    port: 8080,
    main: "services/gateway/main.ts",
    env: (fleet) => ({
      IDENTITY_SIGNING_KEY: fleet.identitySigningKey,
      UPSTREAM_ACCOUNTS: fleet.serviceUrl("accounts"),
      UPSTREAM_TRANSACTIONS: fleet.serviceUrl("transactions"),
      UPSTREAM_AUDITLOG: fleet.serviceUrl("auditlog"),
      UPSTREAM_USERS: fleet.serviceUrl("users"),
      UPSTREAM_LISTINGS: fleet.serviceUrl("listings"),
      UPSTREAM_LISTING_VIEW: fleet.serviceUrl("listing-view"),
      UPSTREAM_ORDERS: fleet.serviceUrl("orders"),
      UPSTREAM_MAILER: fleet.serviceUrl("mailer"),
    }),
  },
];
