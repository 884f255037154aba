/**
 * Bearer JWTs from an OIDC provider: signature against the provider's JWKS (fetched and cached
 * by jose, refetched when a token names a key it has not seen), issuer, audience and expiry
 * checked; asymmetric algorithms only. The principal is the token's subject, a `user`. A client
 * sends the same token until it expires, so a verified one is remembered until then.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { type Principal, UnauthorizedError } from "@flotilla/backbone";
import type { OidcSettings } from "../config.ts";

const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/** Scopes from a claim that is a space-separated string or an array of strings. */
export function scopesOf(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

const CACHE_LIMIT = 10_000;

export class OidcVerifier {
  readonly #settings: OidcSettings;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #verified = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(settings: OidcSettings) {
    this.#settings = settings;
    this.#jwks = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000 });
  }

  async verify(token: string): Promise<Principal> {
    const hit = this.#verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit.principal;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.#settings.issuer,
        audience: this.#settings.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ["sub", "exp"],
      }));
    } catch (err) {
      throw new UnauthorizedError(
        `The bearer token is not valid: ${err instanceof Error ? err.message : String(err)}`,
        'Bearer realm="flotilla", error="invalid_token"',
      );
    }
    const sub = payload.sub!;
    const name = [payload.name, payload.preferred_username].find((v) => typeof v === "string");
    const principal: Principal = {
      type: "user",
      id: sub.slice(0, 128),
      name: typeof name === "string" ? name.slice(0, 200) : sub.slice(0, 128),
      scopes: scopesOf(payload[this.#settings.scopeClaim]),
    };
    const user = this.#settings.userClaim ? payload[this.#settings.userClaim] : undefined;
    if (typeof user === "string" || typeof user === "number") principal.user = String(user);
    if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
    this.#verified.set(token, { principal, expiresAt: payload.exp! * 1000 });
    return principal;
  }
}
