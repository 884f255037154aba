/**
 * Who is calling, as the gateway established it, and the short-lived token that carries it
 * inward. The gateway signs tokens (EdDSA, an Ed25519 key only it holds) for one upstream each
 * (the audience); every service verifies them with the public key. Nothing a client wrote
 * reaches a service as identity: principal, scopes, address and user agent are all in the
 * signed claims. A token is reused for the same caller and upstream for half its lifetime, and
 * a service remembers the tokens it verified: signing and verifying once per caller rather
 * than once per request is what keeps the gateway's overhead small (`deno task bench identity`).
 */
import { generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT } from "jose";
import type { Actor } from "../audit.ts";
import { UnauthorizedError } from "../errors.ts";

/** `user`: a person signed in at an OIDC provider; `key`: an API key; `service`: a service itself. */
export type PrincipalType = "user" | "key" | "service" | "anonymous";

export interface Principal {
  type: PrincipalType;
  id: string;
  name: string;
  scopes: readonly string[];
  /** The user (users service id) this principal acts for: it may change only their things. */
  user?: string;
}

/** The principal of one request, with where the request came from. */
export interface RequestIdentity {
  principal: Principal;
  ip: string | null;
  userAgent: string | null;
}

export const ANONYMOUS: Principal = {
  type: "anonymous",
  id: "anonymous",
  name: "anonymous",
  scopes: [],
};

/** The audit actor of a request: API keys are machine clients (`service`), named `key:<id>`. */
export function actorOf(identity: RequestIdentity): Actor {
  const { principal: p } = identity;
  return {
    type: p.type === "key" ? "service" : p.type,
    id: p.type === "key" ? `key:${p.id}` : p.id,
    ip: identity.ip,
    user_agent: identity.userAgent,
  };
}

/** One string per principal: what rate limits and idempotency keys are scoped by. */
export function principalKey(identity: RequestIdentity): string {
  const { type, id } = identity.principal;
  return type === "anonymous" ? `anonymous@${identity.ip ?? "unknown"}` : `${type}:${id}`;
}

const ISSUER = "flotilla-gateway";
const TOKEN_TYPE = "flotilla-identity+jwt";
const ALGORITHM = "EdDSA";

/** A key as configured: PEM, or the bare base64 of its DER (easier to put in a variable). */
function pem(label: "PUBLIC KEY" | "PRIVATE KEY", text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) return trimmed;
  const body = trimmed.replace(/\s+/g, "").match(/.{1,64}/g)?.join("\n") ?? "";
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

/** A fresh Ed25519 key pair as the bare base64 of its DER: SPKI (public), PKCS#8 (signing). */
export async function generateIdentityKeys(): Promise<{ publicKey: string; signingKey: string }> {
  const pair = await generateKeyPair(ALGORITHM, { crv: "Ed25519", extractable: true });
  const der = async (format: "spki" | "pkcs8", key: CryptoKey) =>
    btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.exportKey(format, key))));
  return {
    publicKey: await der("spki", pair.publicKey),
    signingKey: await der("pkcs8", pair.privateKey),
  };
}

interface Claims {
  ptype: PrincipalType;
  name: string;
  scope: string;
  user?: string;
  ip?: string;
  ua?: string;
}

const CACHE_LIMIT = 10_000;

export class IdentitySigner {
  /** Tokens signed lately, by caller and audience, with when they stop being handed out. */
  readonly #recent = new Map<string, { token: Promise<string>; until: number }>();

  private constructor(readonly key: CryptoKey, readonly ttlSeconds: number) {}

  /** `signingKey`: PKCS#8, PEM or bare base64 (IDENTITY_SIGNING_KEY). */
  static async fromKey(signingKey: string, ttlSeconds = 60): Promise<IdentitySigner> {
    const key = await importPKCS8(pem("PRIVATE KEY", signingKey), ALGORITHM).catch((err) => {
      throw new Error(`IDENTITY_SIGNING_KEY is not an Ed25519 private key: ${err.message}`);
    });
    return new IdentitySigner(key, ttlSeconds);
  }

  /**
   * A token for `identity` to call `audience` (the upstream service's name): the one signed
   * for the same caller in the first half of its lifetime, or a new one.
   */
  sign(identity: RequestIdentity, audience: string): Promise<string> {
    const { principal: p } = identity;
    const claims: Claims = { ptype: p.type, name: p.name, scope: p.scopes.join(" ") };
    if (p.user !== undefined) claims.user = p.user;
    if (identity.ip) claims.ip = identity.ip;
    if (identity.userAgent) claims.ua = identity.userAgent;
    const key = JSON.stringify([audience, p.id, claims]);
    const hit = this.#recent.get(key);
    if (hit && hit.until > Date.now()) return hit.token;
    if (this.#recent.size >= CACHE_LIMIT) this.#recent.clear();
    const token = this.#signNew(p.id, claims, audience);
    this.#recent.set(key, { token, until: Date.now() + this.ttlSeconds * 500 });
    return token;
  }

  #signNew(subject: string, claims: Claims, audience: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.key);
  }
}

const PRINCIPAL_TYPES = new Set<string>(["user", "key", "service", "anonymous"]);

/** Verifies the gateway's tokens for one service (the audience). */
export class IdentityVerifier {
  /** Tokens already verified, until they expire: a retried or reused token costs a lookup. */
  readonly #verified = new Map<string, { identity: RequestIdentity; expiresAt: number }>();

  private constructor(readonly key: CryptoKey, readonly audience: string) {}

  /** `publicKey`: SPKI, PEM or bare base64 (IDENTITY_PUBLIC_KEY). */
  static async fromKey(publicKey: string, audience: string): Promise<IdentityVerifier> {
    const key = await importSPKI(pem("PUBLIC KEY", publicKey), ALGORITHM).catch((err) => {
      throw new Error(`IDENTITY_PUBLIC_KEY is not an Ed25519 public key: ${err.message}`);
    });
    return new IdentityVerifier(key, audience);
  }

  /** The identity in `token`; an UnauthorizedError when it is not one the gateway signed for us. */
  async verify(token: string): Promise<RequestIdentity> {
    const hit = this.#verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit.identity;
    let payload;
    try {
      ({ payload } = await jwtVerify<Claims>(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: this.audience,
        typ: TOKEN_TYPE,
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (err) {
      throw invalidToken(this.audience, err instanceof Error ? err.message : String(err));
    }
    if (!PRINCIPAL_TYPES.has(payload.ptype) || typeof payload.scope !== "string") {
      throw invalidToken(this.audience, "its claims are malformed");
    }
    const principal: Principal = {
      type: payload.ptype,
      id: payload.sub!,
      name: typeof payload.name === "string" ? payload.name : payload.sub!,
      scopes: payload.scope.split(" ").filter(Boolean),
    };
    if (typeof payload.user === "string") principal.user = payload.user;
    const identity: RequestIdentity = {
      principal,
      ip: typeof payload.ip === "string" ? payload.ip : null,
      userAgent: typeof payload.ua === "string" ? payload.ua : null,
    };
    if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
    this.#verified.set(token, { identity, expiresAt: payload.exp! * 1000 });
    return identity;
  }
}

function invalidToken(audience: string, reason: string): UnauthorizedError {
  return new UnauthorizedError(
    `The identity token is not valid for ${audience}: ${reason}`,
    `Bearer realm="${audience}", error="invalid_token"`,
  );
}
