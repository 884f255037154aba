import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { testIdentity } from "@flotilla/testkit";
import { createLogger } from "../log.ts";
import { createMetrics } from "../metrics.ts";
import { commandMeta } from "./actor.ts";
import { createHttpApp } from "./app.ts";
import { gatewayTokens, publicRoute, requires } from "./auth.ts";
import { generateIdentityKeys, IdentitySigner } from "./identity.ts";
import { createRouter } from "./router.ts";

async function demo() {
  const app = createHttpApp({
    authenticator: gatewayTokens(await testIdentity.verifier("demo")),
    service: "demo",
    logger: createLogger({ service: "demo", sink: () => {} }),
    metrics: createMetrics("demo", { process: false }),
  });
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "post",
      path: "/things",
      ...requires("things:write"),
      responses: { 200: { description: "who did it" } },
    }),
    (c) => c.json(commandMeta(c), 200),
  );
  router.openapi(
    createRoute({
      method: "get",
      path: "/things",
      ...publicRoute(),
      request: { query: z.object({ n: z.coerce.number().int() }) },
      responses: { 200: { description: "open to anyone the gateway lets in" } },
    }),
    (c) => c.json({ n: c.req.valid("query").n }, 200),
  );
  app.route("/", router);
  return app;
}

Deno.test("without the gateway's token every route is a 401 with a challenge; probes stay open", async () => {
  const app = await demo();
  for (
    const path of ["/things?n=1", "/openapi.json", "/docs", "/docs/assets/docs.js", "/nowhere"]
  ) {
    const res = await app.request(path);
    assert.equal(res.status, 401, path);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="demo"');
    assert.match((await res.json()).detail, /through the gateway only/);
  }
  for (const path of ["/healthz", "/readyz", "/metrics"]) {
    assert.equal((await app.request(path)).status, 200, path);
  }
});

Deno.test("a token for another service, signed by another key, expired or garbled is a 401", async () => {
  const app = await demo();
  const other = await IdentitySigner.fromKey((await generateIdentityKeys()).signingKey);
  const expired = await IdentitySigner.fromKey(testIdentity.env.IDENTITY_SIGNING_KEY, -120);
  const identity = {
    principal: { type: "service" as const, id: "x", name: "x", scopes: ["things:write"] },
    ip: null,
    userAgent: null,
  };
  const tokens = {
    "another audience": await testIdentity.token("users"),
    "another key": await other.sign(identity, "demo"),
    expired: await expired.sign(identity, "demo"),
    garbled: (await testIdentity.token("demo")).slice(0, -4) + "AAAA",
  };
  for (const [what, token] of Object.entries(tokens)) {
    const res = await app.request("/things?n=1", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, what);
    assert.match(res.headers.get("www-authenticate")!, /error="invalid_token"/, what);
  }
  const good = await app.request("/things?n=1", { headers: await testIdentity.headers("demo") });
  assert.equal(good.status, 200);
});

Deno.test("requires(): anonymous is 401, a missing scope 403 naming it, the scope lets it in", async () => {
  const app = await demo();
  const post = async (principal: Parameters<typeof testIdentity.token>[1]) =>
    await app.request("/things", {
      method: "POST",
      headers: await testIdentity.headers("demo", principal),
    });
  const anonymous = await post({ type: "anonymous", id: "anonymous", scopes: [] });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get("www-authenticate")!, /^Bearer realm="flotilla"/);
  const reader = await post({ type: "key", id: "k1", scopes: ["things:read"] });
  assert.equal(reader.status, 403);
  assert.match(reader.headers.get("www-authenticate")!, /insufficient_scope.*things:write/);
  const problem = await reader.json();
  assert.match(problem.detail, /needs the scope things:write/);
  assert.equal(problem.required_scope, "things:write");
  const writer = await post({ type: "key", id: "k2", scopes: ["things:write"] });
  assert.equal(writer.status, 200);
});

Deno.test("the audit actor is the token's principal, never a header the caller wrote", async () => {
  const app = await demo();
  const res = await app.request("/things", {
    method: "POST",
    headers: {
      ...await testIdentity.headers("demo", {
        type: "key",
        id: "k7",
        user: "42",
        scopes: ["things:write"],
      }),
      "x-user-id": "admin",
      "x-service-id": "accounts",
      "x-forwarded-for": "6.6.6.6",
      "user-agent": "forged",
    },
  });
  const meta = await res.json();
  assert.deepEqual(meta.actor, {
    type: "service",
    id: "key:k7",
    ip: "127.0.0.1",
    user_agent: "flotilla-tests",
  });
  assert.equal(meta.actsFor, "42");
});

Deno.test("/openapi.json declares the bearer scheme and each route's scopes", async () => {
  const app = await demo();
  const doc = await (await app.request("/openapi.json", {
    headers: await testIdentity.headers("demo"),
  })).json();
  assert.equal(doc.openapi, "3.1.0");
  assert.equal(doc.components.securitySchemes.bearer.scheme, "bearer");
  assert.deepEqual(doc.paths["/things"].post.security, [{ bearer: ["things:write"] }]);
  assert.deepEqual(doc.paths["/things"].get.security, []);
  const docs = await (await app.request("/docs", { headers: await testIdentity.headers("demo") }))
    .text();
  assert.match(docs, /data-openapi="\/openapi.json"/, "Swagger UI, its Authorize for that scheme");
  assert.match(docs, /an API key does not work here/);
});
