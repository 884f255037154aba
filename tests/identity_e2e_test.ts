/**
 * Identity through the gateway, against the real users, listings and auditlog services and an
 * OIDC provider this test plays (a local JWKS, no network): every rule of the security model,
 * each as a client would meet it.
 */
import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { API_KEYS_BUCKET, revokeApiKey } from "@flotilla/backbone";
import { ALL_SCOPES } from "@flotilla/contracts";
import {
  bearer,
  createTestKey,
  eventually,
  integration,
  spawnService,
  testEnv,
  testIdentity,
} from "@flotilla/testkit";

const ISSUER = "https://id.flotilla.test";
const AUDIENCE = "flotilla-api";

/** An OIDC provider's signing side: its JWKS on a local port, and tokens it issues. */
async function oidcProvider() {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...await exportJWK(publicKey), kid: "k1", alg: "ES256", use: "sig" };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ keys: [jwk] }),
  );
  const impostor = await generateKeyPair("ES256");
  const issue = (
    claims: Record<string, unknown>,
    options: { audience?: string; expires?: string | number; key?: CryptoKey } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? "5m")
      .sign(options.key ?? privateKey);
  return {
    jwksUrl: `http://127.0.0.1:${server.addr.port}/jwks.json`,
    issue,
    impostorKey: impostor.privateKey,
    stop: () => server.shutdown(),
  };
}

integration("identity at the edge: every rule, through the gateway", async () => {
  await using env = await testEnv();
  const dbUrl = async () => env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
  const quiet = { LOG_LEVEL: "warn" };
  const [users, listings, auditlog] = await Promise.all(
    ["users", "listings", "auditlog"].map(async (name) =>
      spawnService(env, {
        main: `services/${name}/main.ts`,
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      })
    ),
  );
  const oidc = await oidcProvider();
  env.defer(() => oidc.stop());
  const gateway = await spawnService(env, {
    main: "services/gateway/main.ts",
    env: {
      ...quiet,
      UPSTREAM_USERS: users.url,
      UPSTREAM_LISTINGS: listings.url,
      UPSTREAM_AUDITLOG: auditlog.url,
      OIDC_ISSUER: ISSUER,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_JWKS_URL: oidc.jwksUrl,
      OIDC_USER_CLAIM: "flotilla_user",
    },
  });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}/api/v1${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...init.headers },
    });
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    api(path, { method: "POST", headers, body: JSON.stringify(body) });
  const operator = bearer((await createTestKey(env, { name: "operator" })).key);

  // No credential: 401 with a challenge.
  const anonymous = await api("/users");
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("content-type"), "application/problem+json");
  assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer realm="flotilla"/);
  await anonymous.body?.cancel();
  const garbage = await api("/users", { headers: { authorization: "Bearer flt_nope" } });
  assert.equal(garbage.status, 401);
  assert.match(garbage.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  await garbage.body?.cancel();

  // The wrong scope: 403 naming the one missing.
  const reader = bearer((await createTestKey(env, { scopes: ["listings:read"] })).key);
  assert.equal((await api("/users", { headers: reader })).status, 200);
  const refused = await post("/users", { name: "Eve" }, reader);
  assert.equal(refused.status, 403);
  assert.match((await refused.json()).detail, /needs the scope listings:write/);

  // A revoked key: 401 as soon as the gateway hears of it.
  const doomed = await createTestKey(env, { scopes: ["listings:read"] });
  assert.equal((await api("/users", { headers: bearer(doomed.key) })).status, 200);
  await revokeApiKey(await new Kvm(await env.connect()).open(API_KEYS_BUCKET), doomed.id);
  const revoked = await eventually("the revocation to reach the gateway", async () => {
    const res = await api("/users", { headers: bearer(doomed.key) });
    return res.status === 401 ? res : (await res.body?.cancel(), undefined);
  }, 10_000);
  assert.match((await revoked.json()).detail, /revoked/);

  // OIDC: a good token works; expired, wrong audience, wrong signature or issuer do not.
  const jwt = (token: string) => ({ authorization: `Bearer ${token}` });
  const good = await oidc.issue({ sub: "ada@id", scope: "listings:read listings:write" });
  assert.equal((await api("/users", { headers: jwt(good) })).status, 200);
  const bad = {
    expired: await oidc.issue({ sub: "ada@id", scope: "listings:read" }, {
      expires: Math.floor(Date.now() / 1000) - 3600,
    }),
    "wrong audience": await oidc.issue({ sub: "ada@id", scope: "listings:read" }, {
      audience: "someone-else",
    }),
    "wrong signature": await oidc.issue({ sub: "ada@id", scope: "listings:read" }, {
      key: oidc.impostorKey,
    }),
    "wrong issuer": await new SignJWT({ sub: "ada@id", scope: "listings:read" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer("https://evil.test")
      .setAudience(AUDIENCE).setExpirationTime("5m").sign(oidc.impostorKey),
  };
  for (const [what, token] of Object.entries(bad)) {
    const res = await api("/users", { headers: jwt(token) });
    assert.equal(res.status, 401, what);
    assert.match(res.headers.get("www-authenticate") ?? "", /invalid_token/, what);
    await res.body?.cancel();
  }

  // The audit actor is the verified principal; forged headers change nothing.
  const forged = { "x-user-id": "mallory", "x-forwarded-for": "6.6.6.6", "user-agent": "e2e" };
  const alice = await post("/users", { name: "Alice" }, { ...operator, ...forged });
  assert.equal(alice.status, 201);
  const { user: userA } = await alice.json();
  const { user: userB } = await (await post("/users", { name: "Bob" }, jwt(good))).json();
  const actors = await eventually("both creations audited", async () => {
    const page = await (await api("/audit-logs?target_type=user&action=user.created", {
      headers: operator,
    })).json();
    return page.data?.length === 2 ? page.data : undefined;
  }, 30_000);
  const actorOf = (id: number) =>
    actors.find((r: { target: { id: string } }) => r.target.id === String(id)).actor;
  assert.equal(actorOf(userA.id).type, "service");
  assert.match(actorOf(userA.id).id, /^key:[a-z0-9]{12}$/);
  assert.equal(actorOf(userA.id).ip, "127.0.0.1", "the socket's peer, not X-Forwarded-For");
  assert.equal(actorOf(userA.id).user_agent, "e2e");
  assert.deepEqual(
    [actorOf(userB.id).type, actorOf(userB.id).id],
    ["user", "ada@id"],
    "an OIDC user is a user, by subject",
  );

  // A direct call to a service, without the gateway's token, is refused.
  for (const path of ["/api/v1/users", "/openapi.json"]) {
    const direct = await fetch(`${users.url}${path}`);
    assert.equal(direct.status, 401, path);
    await direct.body?.cancel();
  }
  const forgedToken = await fetch(`${users.url}/api/v1/users`, {
    headers: { authorization: `Bearer ${await testIdentity.token("listings")}` },
  });
  assert.equal(forgedToken.status, 401, "a token for another service does not open this one");
  await forgedToken.body?.cancel();

  // A principal bound to user A changes A's listings only, whether a key or an OIDC user.
  const boundKey = bearer(
    (await createTestKey(env, { scopes: ["listings:read", "listings:write"], user: userA.id }))
      .key,
  );
  const listing = (user: number) => ({ user_id: user, listing_type: "sale", price: 100 });
  assert.equal((await post("/listings", listing(userA.id), boundKey)).status, 201);
  const forB = await post("/listings", listing(userB.id), boundKey);
  assert.equal(forB.status, 403);
  assert.match((await forB.json()).detail, new RegExp(`acts for user ${userA.id} only`));
  const { listing: bobs } = await (await post("/listings", listing(userB.id), operator)).json();
  const boundUser = jwt(
    await oidc.issue({
      sub: "ada@id",
      scope: "listings:read listings:write",
      flotilla_user: userA.id,
    }),
  );
  for (const who of [boundKey, boundUser]) {
    const change = await api(`/listings/${bobs.id}`, {
      method: "PATCH",
      headers: who,
      body: JSON.stringify({ price: 1 }),
    });
    assert.equal(change.status, 403);
    await change.body?.cancel();
  }
  const after = await (await api(`/listings/${bobs.id}`, { headers: operator })).json();
  assert.equal(after.listing.price, 100, "B's listing is unchanged");

  // Two principals with the same Idempotency-Key do not see each other's answers.
  const writer = bearer((await createTestKey(env, { scopes: ["listings:write"] })).key);
  const once = { "idempotency-key": "same-key-for-both" };
  const first = await (await post("/users", { name: "Carol" }, { ...operator, ...once })).json();
  const second = await post("/users", { name: "Carol" }, { ...writer, ...once });
  assert.equal(second.status, 201);
  assert.equal(second.headers.get("idempotent-replayed"), null);
  assert.notEqual((await second.json()).user.id, first.user.id, "the second caller's own user");
  const again = await post("/users", { name: "Carol" }, { ...operator, ...once });
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.equal((await again.json()).user.id, first.user.id);

  // Every operation the gateway routes declares who may call it, with scopes that exist.
  const doc = await (await fetch(`${gateway.url}/openapi.json`)).json();
  const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .filter(([path]) => path.startsWith("/api/v1/") || path.startsWith("/public/"))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ what: `${method} ${path}`, op }))
    );
  assert.ok(operations.length > 10);
  for (const { what, op } of operations) {
    const security = (op as { security?: Record<string, string[]>[] }).security;
    assert.ok(Array.isArray(security), `${what} declares its security`);
    for (const scope of security.flatMap((req) => Object.values(req).flat())) {
      assert.ok((ALL_SCOPES as string[]).includes(scope), `${what}: unknown scope ${scope}`);
    }
  }
});
