/**
 * Authentication at the edge: `Authorization: Bearer <credential>` is an API key (`flt_…`) or,
 * when OIDC is configured, a JWT from the provider; no Authorization header at all is the
 * anonymous principal (public routes serve it, the others answer 401). A bad credential is a
 * 401 here, and counts against the client address's rate limit.
 */
import {
  ANONYMOUS,
  apiKeyId,
  type Authenticator,
  bearerToken,
  type Principal,
  RateLimitedError,
  UnauthorizedError,
} from "@flotilla/backbone";
import type { KeyMirror } from "../adapters/key_mirror.ts";
import type { OidcVerifier } from "../adapters/oidc.ts";
import type { TrustedProxies } from "../domain/client_address.ts";
import type { TokenBucketLimiter } from "../domain/token_bucket.ts";
import { clientOf } from "./client.ts";

export interface EdgeAuthDeps {
  keys: KeyMirror;
  oidc?: OidcVerifier;
  trustedProxies: TrustedProxies;
  limiter?: TokenBucketLimiter;
}

const CHALLENGE = 'Bearer realm="flotilla"';

export function edgeAuthenticator(deps: EdgeAuthDeps): Authenticator {
  const principalOf = (token: string): Promise<Principal> => {
    if (apiKeyId(token) !== undefined) return deps.keys.authenticate(token);
    if (deps.oidc) return deps.oidc.verify(token);
    return Promise.reject(
      new UnauthorizedError(
        "Not an API key (flt_…), and no OIDC provider is configured",
        `${CHALLENGE}, error="invalid_token"`,
      ),
    );
  };
  return {
    async authenticate(c) {
      const ip = clientOf(c, deps.trustedProxies).ip ?? null;
      const base = {
        ip,
        userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null,
      };
      if (c.req.header("authorization") === undefined) return { principal: ANONYMOUS, ...base };
      try {
        const token = bearerToken(c);
        if (!token) {
          throw new UnauthorizedError(
            "Authorization must be `Bearer <API key or token>`",
            `${CHALLENGE}, error="invalid_request"`,
          );
        }
        return { principal: await principalOf(token), ...base };
      } catch (err) {
        const decision = deps.limiter?.take(`anonymous@${ip ?? "unknown"}`);
        if (decision && !decision.allowed) {
          throw new RateLimitedError(
            `Too many requests from ${ip}; retry after ${decision.retryAfterSeconds} s`,
            decision.retryAfterSeconds,
          );
        }
        throw err;
      }
    },
  };
}
