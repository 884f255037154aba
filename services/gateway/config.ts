/**
 * The gateway's configuration: where each upstream lives, the one route table, and the
 * resilience and rate-limit settings. Read once from the environment, validated, frozen.
 */
import { z } from "zod";
import { baseShape, env, loadConfig, telemetryShape } from "@flotilla/backbone";
import type { Route } from "./domain/routes.ts";

export const SERVICE = "gateway";

/** Upstream name → the variable that holds its base URL. */
export const UPSTREAM_ENV = {
  accounts: "UPSTREAM_ACCOUNTS",
  transactions: "UPSTREAM_TRANSACTIONS",
  auditlog: "UPSTREAM_AUDITLOG",
  users: "UPSTREAM_USERS",
  listings: "UPSTREAM_LISTINGS",
  "listing-view": "UPSTREAM_LISTING_VIEW",
  orders: "UPSTREAM_ORDERS",
  mailer: "UPSTREAM_MAILER",
} as const;

export type UpstreamName = keyof typeof UPSTREAM_ENV;
export const UPSTREAM_NAMES = Object.keys(UPSTREAM_ENV) as UpstreamName[];

/** The route table: every `/api/v1/<resource>` and the upstream that serves it. */
export const ROUTES: readonly Route[] = [
  { prefix: "/api/v1/accounts", upstream: "accounts" },
  { prefix: "/api/v1/transactions", upstream: "transactions" },
  { prefix: "/api/v1/audit-logs", upstream: "auditlog" },
  { prefix: "/api/v1/users", upstream: "users" },
  { prefix: "/api/v1/listings", upstream: "listings" },
  { prefix: "/api/v1/listing-view", upstream: "listing-view" },
  { prefix: "/api/v1/orders", upstream: "orders" },
  { prefix: "/api/v1/clients", upstream: "mailer" },
  { prefix: "/api/v1/mailings", upstream: "mailer" },
];

const upstreamUrl = () =>
  z.url({ protocol: /^https?$/, error: "expected an http(s):// URL" }).transform((u) =>
    u.replace(/\/+$/, "")
  ).optional();

// No NATS_URL or DATABASE_URL: the gateway uses neither.
const { PORT, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS } = baseShape(SERVICE, 8080);

const gatewayShape = {
  PORT,
  LOG_LEVEL,
  SHUTDOWN_TIMEOUT_MS,
  ...telemetryShape(),
  UPSTREAM_ACCOUNTS: upstreamUrl(),
  UPSTREAM_TRANSACTIONS: upstreamUrl(),
  UPSTREAM_AUDITLOG: upstreamUrl(),
  UPSTREAM_USERS: upstreamUrl(),
  UPSTREAM_LISTINGS: upstreamUrl(),
  UPSTREAM_LISTING_VIEW: upstreamUrl(),
  UPSTREAM_ORDERS: upstreamUrl(),
  UPSTREAM_MAILER: upstreamUrl(),
  /** Time until the upstream's response headers; bodies then stream without a limit. */
  UPSTREAM_TIMEOUT_MS: env.positiveInt(10_000),
  /** Extra attempts for GET/HEAD/OPTIONS when the upstream cannot be reached or answers 502/503/504. */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  UPSTREAM_RETRY_DELAY_MS: env.millis(50),
  /** Consecutive failures that open an upstream's circuit. */
  BREAKER_THRESHOLD: env.positiveInt(5),
  /** How long an open circuit waits before one trial request. */
  BREAKER_HALF_OPEN_MS: env.positiveInt(5_000),
  /** Requests per second per client IP, refilled continuously; 0 turns the limit off. */
  RATE_LIMIT_RPS: z.coerce.number().min(0).default(100),
  RATE_LIMIT_BURST: env.positiveInt(200),
  /** Take the client IP from x-forwarded-for (only behind a trusted proxy). */
  TRUST_FORWARDED_FOR: env.flag(false),
  /** Time limit for fetching one upstream's /openapi.json or /readyz. */
  DOCS_TIMEOUT_MS: env.positiveInt(1_000),
  /** How long the aggregated /openapi.json is reused. */
  DOCS_CACHE_MS: env.millis(10_000),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(source?: Record<string, string | undefined>) {
  return loadConfig(gatewayShape, source);
}

/** Upstream name → base URL, or undefined where its variable is not set. */
export function upstreamUrls(config: GatewayConfig): Record<UpstreamName, string | undefined> {
  const out = {} as Record<UpstreamName, string | undefined>;
  for (const name of UPSTREAM_NAMES) out[name] = config[UPSTREAM_ENV[name]];
  return out;
}
