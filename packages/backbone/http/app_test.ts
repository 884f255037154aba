import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { NotFoundError } from "../errors.ts";
import { testIdentity } from "@flotilla/testkit";
import { createHttpApp, type ReadinessReport } from "./app.ts";
import { gatewayTokens } from "./auth.ts";
import { createRouter } from "./router.ts";
import { createLogger } from "../log.ts";
import { createMetrics } from "../metrics.ts";

const authenticator = gatewayTokens(await testIdentity.verifier("demo"));

function app(ready = true) {
  const lines: string[] = [];
  const app = createHttpApp({
    authenticator,
    service: "demo",
    logger: createLogger({ service: "demo", sink: (l) => lines.push(l) }),
    metrics: createMetrics("demo", { process: false }),
    readiness: { nats: () => ready, postgres: () => Promise.resolve(true) },
  });
  const things = createRouter();
  things.openapi(
    createRoute({
      method: "post",
      path: "/things/{id}",
      summary: "Create a thing",
      request: {
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: {
          content: {
            "application/json": {
              schema: z.object({ name: z.string().min(1), size: z.number().int().min(0) }),
            },
          },
        },
      },
      responses: { 201: { description: "created" } },
    }),
    (c) => c.json({ id: c.req.valid("param").id, ...c.req.valid("json") }, 201),
  );
  things.get("/missing", () => {
    throw new NotFoundError('Thing "x" does not exist');
  });
  things.get("/boom", () => {
    throw new Error("secret internals");
  });
  app.route("/", things);
  return { app: { request: testIdentity.request(app, "demo"), get: app.get.bind(app) }, lines };
}

const post = (
  a: { request(path: string, init: RequestInit): Promise<Response> },
  path: string,
  body: string,
) => a.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });

Deno.test("invalid input is a 400 problem+json naming every failing field", async () => {
  const { app: a } = app();
  const res = await post(a, "/things/7", JSON.stringify({ name: "", size: -1 }));
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  const doc = await res.json();
  assert.deepEqual(doc.errors.map((e: { path: string }) => e.path).sort(), ["name", "size"]);
  assert.match(doc.detail, /name: .*; size: /);
  const badId = await post(a, "/things/abc", JSON.stringify({ name: "x", size: 1 }));
  assert.equal(badId.status, 400);
  assert.equal((await badId.json()).errors[0].path, "id");
});

Deno.test("a compat router's validation problems also carry the original API's `error`", async () => {
  const route = createRoute({
    method: "post",
    path: "/",
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({ amount: z.string({ error: "invalid amount format" }) }),
          },
        },
      },
    },
    responses: { 201: { description: "created" } },
  });
  const invalid = async (router: ReturnType<typeof createRouter>) => {
    router.openapi(route, (c) => c.json({}, 201));
    const res = await post(
      { request: async (path, init) => await router.request(path, init) },
      "/",
      JSON.stringify({ amount: 5 }),
    );
    assert.equal(res.status, 400);
    return await res.json();
  };
  const compat = await invalid(createRouter({ compat: "error" }));
  assert.equal(compat.error, "invalid amount format");
  assert.equal(compat.errors[0].path, "amount");
  assert.equal((await invalid(createRouter())).error, undefined);
});

Deno.test("malformed JSON is a 400 problem, not a crash", async () => {
  const { app: a } = app();
  const res = await post(a, "/things/7", "{nope");
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
});

Deno.test("typed errors map to their status; unknown errors leak nothing and are logged", async () => {
  const { app: a, lines } = app();
  const missing = await a.request("/missing");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).detail, /Thing "x" does not exist/);
  const boom = await a.request("/boom");
  assert.equal(boom.status, 500);
  const text = await boom.text();
  assert.ok(!text.includes("secret"), "no internals in the response");
  assert.ok(lines.some((l) => l.includes("secret internals")), "but in the log");
  assert.equal((await a.request("/nowhere")).status, 404);
});

Deno.test("readyz reports each dependency; healthz, metrics, openapi and docs answer", async () => {
  const down = await app(false).app.request("/readyz");
  assert.equal(down.status, 503);
  assert.deepEqual((await down.json()).checks, { nats: "down", postgres: "up" });
  const { app: a } = app();
  assert.equal((await a.request("/readyz")).status, 200);
  assert.equal((await a.request("/healthz")).status, 200);
  await post(a, "/things/1", JSON.stringify({ name: "x", size: 1 }));
  const metrics = await (await a.request("/metrics")).text();
  assert.match(metrics, /http_requests_total\{method="POST",route="\/things\/:id",status="201"/);
  assert.match(metrics, /^service_ready\{service="demo"\} 1$/m);
  const notReady = await (await app(false).app.request("/metrics")).text();
  assert.match(notReady, /^service_ready\{service="demo"\} 0$/m, "what /readyz says, at scrape");
  const doc = await (await a.request("/openapi.json")).json();
  assert.ok(doc.paths["/things/{id}"].post);
  const docs = await (await a.request("/docs")).text();
  assert.match(docs, /data-openapi="\/openapi.json"/, "Swagger UI over that document");
});

Deno.test("request ids are generated or carried through", async () => {
  const { app: a } = app();
  const res = await a.request("/healthz", { headers: { "x-request-id": "req-42" } });
  assert.equal(res.headers.get("x-request-id"), "req-42");
  const fresh = await a.request("/healthz");
  assert.match(fresh.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
});

Deno.test("a valid traceparent is carried; a missing or malformed one starts a new trace", async () => {
  const { app: a } = app();
  const seen: string[] = [];
  a.get("/trace", (c) => {
    seen.push(c.get("traceparent"));
    return c.text("ok");
  });
  const given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  await a.request("/trace", { headers: { traceparent: given } });
  await a.request("/trace", { headers: { traceparent: "garbage" } });
  assert.equal(seen[0], given);
  assert.match(seen[1], /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

Deno.test("a service may supply the document of /openapi.json and /docs, and its /readyz report", async () => {
  let report: ReadinessReport = { status: "degraded", checks: { a: "up", b: "down" }, extra: 1 };
  const front = createHttpApp({
    authenticator,
    service: "front",
    logger: createLogger({ service: "front", sink: () => {} }),
    metrics: createMetrics("front", { process: false }),
    title: "Front",
    openapi: (own) =>
      Promise.resolve({
        ...own(),
        paths: { ...own().paths, "/elsewhere": { get: { summary: "Served by another" } } },
      }),
    readyz: () => Promise.resolve(report),
  });
  const a = { request: testIdentity.request(front, "demo") };
  const doc = await (await a.request("/openapi.json")).json();
  assert.equal(doc.info.title, "Front", "built from the app's own document");
  assert.equal(doc.paths["/elsewhere"].get.summary, "Served by another");
  const page = await (await a.request("/docs")).text();
  assert.match(page, /<title>Front<\/title>/);
  assert.match(page, /data-openapi="\/openapi.json"/, "the page shows the supplied document");

  const degraded = await a.request("/readyz");
  assert.equal(degraded.status, 200, "degraded is still ready enough");
  assert.deepEqual(await degraded.json(), {
    status: "degraded",
    service: "front",
    checks: { a: "up", b: "down" },
    extra: 1,
  });
  report = { status: "unavailable", checks: { a: "down" } };
  assert.equal((await a.request("/readyz")).status, 503);
});
