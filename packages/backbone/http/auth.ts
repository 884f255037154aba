/**
 * Authentication and scopes in every service's HTTP layer. Each request but /healthz, /readyz
 * and /metrics is authenticated first (a service: the gateway's token; the gateway: an API key,
 * an OIDC token, or nobody); a route declares the scopes it needs next to its definition with
 * `requires(...)`, which both enforces them and puts them in the OpenAPI document.
 */
import type { Context, MiddlewareHandler } from "hono";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { AppEnv } from "./app.ts";
import type { IdentityVerifier, RequestIdentity } from "./identity.ts";

/** Establishes who is calling; throws an UnauthorizedError for a missing or bad credential. */
export interface Authenticator {
  authenticate(c: Context<AppEnv>): Promise<RequestIdentity>;
}

/** Probes and scrapes answer without a credential. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** The OpenAPI security scheme every document declares and every requirement names. */
export const SECURITY_SCHEME = "bearer";

/** The token of `Authorization: Bearer <token>`, if there is one. */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** A service's authenticator: only requests carrying a token the gateway signed for it. */
export function gatewayTokens(verifier: IdentityVerifier): Authenticator {
  return {
    authenticate(c) {
      const token = bearerToken(c);
      if (!token) {
        return Promise.reject(
          new UnauthorizedError(
            `${verifier.audience} takes requests through the gateway only: no identity token`,
            `Bearer realm="${verifier.audience}"`,
          ),
        );
      }
      return verifier.verify(token);
    },
  };
}

export function authentication(authenticator: Authenticator): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    if (OPEN_PATHS.has(c.req.path)) return await next();
    c.set("identity", await authenticator.authenticate(c));
    await next();
  };
}

/** The identity authentication established for this request. */
export function identityOf(c: Context<AppEnv>): RequestIdentity {
  const identity = c.get("identity");
  if (!identity) throw new Error(`No identity for ${c.req.path}: it is not behind authentication`);
  return identity;
}

function requireScopes(scopes: readonly string[]): MiddlewareHandler<AppEnv> {
  return async function scopesRequired(c, next) {
    const { principal } = identityOf(c);
    if (principal.type === "anonymous") {
      throw new UnauthorizedError(
        `${c.req.method} ${c.req.path} needs a credential with the scope ${scopes.join(" and ")}`,
      );
    }
    const missing = scopes.find((s) => !principal.scopes.includes(s));
    if (missing) {
      throw new ForbiddenError(
        `${c.req.method} ${c.req.path} needs the scope ${missing}, which ${principal.type} ` +
          `${principal.id} does not have`,
        missing,
      );
    }
    await next();
  };
}

/**
 * Spread into `createRoute({...})`: the route needs every one of `scopes`. Anonymous callers
 * get 401, a principal without one of them 403 naming it; `/openapi.json` lists them.
 */
export function requires(...scopes: [string, ...string[]]) {
  return {
    security: [{ [SECURITY_SCHEME]: scopes }],
    middleware: [requireScopes(scopes)],
  };
}

/** Spread into `createRoute({...})`: anyone may call it, with or without a credential. */
export function publicRoute(): { security: Record<string, string[]>[] } {
  return { security: [] };
}

/**
 * Object-level rule: a principal bound to a user acts only for that user. Throws a 403 when
 * `owner` (the user id the object belongs to) is someone else. `meta` is a command's.
 */
export function assertActsFor(meta: { actsFor?: string }, owner: string | number, what: string) {
  if (meta.actsFor !== undefined && meta.actsFor !== String(owner)) {
    throw new ForbiddenError(
      `This credential acts for user ${meta.actsFor} only; ${what} belongs to user ${owner}`,
    );
  }
}
