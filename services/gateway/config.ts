/**
 * The gateway's configuration: where each upstream lives, the one route table, identity (the
 * signing key, trusted proxies, OIDC), and the resilience and rate-limit settings. Read once
 * from the environment, validated, frozen.
 */
import { z } from "zod";
import { baseShape, ConfigError, env, loadConfig } from "@flotilla/backbone";
import { parseTrustedProxies } from "./domain/client_address.ts";
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
  { prefix: "/orders", upstream: "orders" },
  { prefix: "/api/v1/clients", upstream: "mailer" },
  { prefix: "/api/v1/mailings", upstream: "mailer" },
];

const upstreamUrl = () =>
  z.url({ protocol: /^https?$/, error: "expected an http(s):// URL" }).transform((u) =>
    u.replace(/\/+$/, "")
  ).optional();

// No DATABASE_URL: NATS only, for the API keys. No IDENTITY_PUBLIC_KEY: the gateway signs.
const {
  DATABASE_URL: _database,
  DATABASE_PASSWORD: _password,
  IDENTITY_PUBLIC_KEY: _publicKey,
  ...base
} = baseShape(SERVICE, 8080);

const gatewayShape = {
  ...base,
  /**
   * Ed25519 private key (PKCS#8, PEM or base64) that signs the identity token of each request;
   * a secret (never shown), so it may come from the file IDENTITY_SIGNING_KEY_FILE names.
   */
  IDENTITY_SIGNING_KEY: env.secret(
    z.string({
      error: "the gateway's Ed25519 signing key (PKCS#8 as PEM or base64) is required; " +
        "`deno task dev` writes one to .data/identity/",
    }).min(40, "expected an Ed25519 private key (PKCS#8 as PEM or base64)"),
  ),
  /** Lifetime of the identity token the gateway signs for each upstream request. */
  IDENTITY_TOKEN_TTL_S: z.coerce.number().int().min(5).max(300).default(60),
  /**
   * Proxies in front of the gateway (CIDRs or addresses, comma-separated). The client is the
   * rightmost `X-Forwarded-For` address that is not one of them; none: the socket's peer.
   */
  TRUSTED_PROXIES: z.string().default("").transform((text, ctx) => {
    try {
      return parseTrustedProxies(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  }),
  /** OIDC: bearer JWTs from this issuer are accepted (with audience and JWKS below). */
  OIDC_ISSUER: z.string().min(1).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_JWKS_URL: z.url({ protocol: /^https?$/, error: "expected an http(s):// URL" }).optional(),
  /** The claim with the token's scopes: a space-separated string or an array. */
  OIDC_SCOPE_CLAIM: z.string().min(1).default("scope"),
  /** The claim with the users-service id the person acts for, if the provider sets one. */
  OIDC_USER_CLAIM: z.string().min(1).optional(),
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
  /**
   * Requests per second per principal (per client address when anonymous), refilled
   * continuously; 0 turns the limit off.
   */
  RATE_LIMIT_RPS: z.coerce.number().min(0).default(100),
  RATE_LIMIT_BURST: env.positiveInt(200),
  /** Largest request body that is not JSON (photos), bytes; JSON bodies stop at 1 MiB. */
  MAX_UPLOAD_BYTES: env.positiveInt(10 * 1024 * 1024),
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

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  scopeClaim: string;
  userClaim?: string;
}

/** The OIDC settings, if OIDC_ISSUER is set; then audience and JWKS are required too. */
export function oidcSettings(config: GatewayConfig): OidcSettings | undefined {
  const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience, OIDC_JWKS_URL: jwksUrl } = config;
  if (!issuer && !audience && !jwksUrl) return undefined;
  const missing = Object.entries({
    OIDC_ISSUER: issuer,
    OIDC_AUDIENCE: audience,
    OIDC_JWKS_URL: jwksUrl,
  })
    .filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) {
    throw new ConfigError(`Invalid configuration: OIDC needs ${missing.join(" and ")} as well`);
  }
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUrl: jwksUrl!,
    scopeClaim: config.OIDC_SCOPE_CLAIM,
    userClaim: config.OIDC_USER_CLAIM,
  };
}
