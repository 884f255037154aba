/**
 * Identity in tests, as in production: a test key pair (made once per test process) that every
 * service a test starts trusts, tokens signed with it for in-process apps and for services'
 * own ports, and API keys in a test env's bucket for calls through the gateway.
 */
import { Kvm } from "@nats-io/kv";
import {
  API_KEYS_BUCKET,
  apiKeysCatalog,
  createApiKey,
  generateIdentityKeys,
  IdentitySigner,
  IdentityVerifier,
  type Principal,
  provision,
} from "@flotilla/backbone";
import { ALL_SCOPES } from "@flotilla/contracts";
import type { TestEnv } from "./harness.ts";

const keys = await generateIdentityKeys();
// Longer-lived than the gateway's: a test may hold a token across a slow step.
const signer = await IdentitySigner.fromKey(keys.signingKey, 600);

/** Who a test acts as unless it says otherwise: a service with every scope. */
const OPERATOR: Principal = { type: "service", id: "test", name: "test", scopes: ALL_SCOPES };

export const testIdentity = {
  /** For a spawned service (the public key) and a spawned gateway (the signing key). */
  env: { IDENTITY_PUBLIC_KEY: keys.publicKey, IDENTITY_SIGNING_KEY: keys.signingKey },

  /** The verifier a service's `createApp` takes, for `audience` (the service's name). */
  verifier(audience: string): Promise<IdentityVerifier> {
    return IdentityVerifier.fromKey(keys.publicKey, audience);
  },

  /**
   * A token for `audience` as the gateway would sign it (the same one for a while, as the
   * gateway does); every scope unless `principal` says otherwise.
   */
  token(audience: string, principal: Partial<Principal> = {}): Promise<string> {
    return signer.sign({
      principal: { ...OPERATOR, ...principal },
      ip: "127.0.0.1",
      userAgent: "flotilla-tests",
    }, audience);
  },

  /** `{ authorization: "Bearer …" }` for `audience`. */
  async headers(audience: string, principal?: Partial<Principal>): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await testIdentity.token(audience, principal)}` };
  },

  /** `fetch` for a service's own port, each call with a fresh token for `audience`. */
  fetch(audience: string, principal?: Partial<Principal>) {
    return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${await testIdentity.token(audience, principal)}`);
      return await fetch(input, { ...init, headers });
    };
  },

  /** `app.request` of an in-process app, each call with a fresh token for `audience`. */
  request<A extends { request(path: string, init?: RequestInit): Response | Promise<Response> }>(
    app: A,
    audience: string,
    principal?: Partial<Principal>,
  ) {
    return async (path: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${await testIdentity.token(audience, principal)}`);
      return await app.request(path, { ...init, headers });
    };
  },
};

/**
 * JSON calls of an in-process app for `audience`, each with a token:
 * `call(method, path, body?, headers?, principal?)`.
 */
export function jsonCaller<
  A extends { request(path: string, init?: RequestInit): Response | Promise<Response> },
>(app: A, audience: string) {
  return (
    method: string,
    path: string,
    body?: unknown,
    headers: HeadersInit = {},
    principal?: Partial<Principal>,
  ): Promise<Response> =>
    testIdentity.request(app, audience, principal)(path, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** An API key in `env`'s bucket, made the way `deno task keys create` makes one. */
export async function createTestKey(
  env: TestEnv,
  options: { name?: string; scopes?: readonly string[]; user?: number | string } = {},
): Promise<{ key: string; id: string }> {
  const nc = await env.connect();
  await provision(nc, apiKeysCatalog);
  const kv = await new Kvm(nc).open(API_KEYS_BUCKET);
  const { key, record } = await createApiKey(kv, {
    name: options.name ?? "test",
    scopes: [...(options.scopes ?? ALL_SCOPES)],
    ...(options.user !== undefined ? { user: String(options.user) } : {}),
  });
  return { key, id: record.id };
}

/** `{ authorization: "Bearer <key>" }`. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
