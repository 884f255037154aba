import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { createLogger } from "../log.ts";
import { createMetrics } from "../metrics.ts";
import { findUnsafeText } from "../text.ts";
import { testIdentity } from "@flotilla/testkit";
import { createHttpApp } from "./app.ts";
import { gatewayTokens } from "./auth.ts";
import { jsonBody, readBody } from "./body.ts";
import { jsonContent } from "./openapi.ts";
import { decimalId, queryInteger, safeText, storableRecord } from "./input.ts";
import { createRouter, type RouterOptions } from "./router.ts";

Deno.test("ids are canonical decimal within the column's range; nothing else parses", () => {
  const id = decimalId();
  assert.equal(id.parse("2147483647"), 2147483647);
  for (
    const bad of ["2147483648", "0", "-1", "+1", "01", " 51 ", "51.0", "99e0", "0x33", "", "１"]
  ) {
    assert.equal(id.safeParse(bad).success, false, JSON.stringify(bad));
  }
  const big = decimalId({ max: Number.MAX_SAFE_INTEGER });
  assert.equal(big.parse("9007199254740991"), 9007199254740991);
  assert.equal(big.safeParse("9007199254740992").success, false);
  const limit = queryInteger({ min: 1, max: 100, default: 10 });
  assert.equal(limit.parse(undefined), 10);
  assert.equal(limit.safeParse("101").success, false);
});

Deno.test("text must be storable: no NUL, no lone surrogate, within its length", () => {
  const name = safeText({ min: 1, max: 5, trim: true });
  assert.equal(name.parse("  🙂 "), "🙂");
  for (const bad of ["a\u0000", "\ud800", "x\udfffy", "   ", "abcdef"]) {
    assert.equal(name.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.deepEqual(findUnsafeText({ a: [{ b: "ok" }, { "c\u0000": 1 }] }), {
    path: "a.1.c?",
    message: "key must not contain the NUL character (U+0000)",
  });
  assert.equal(findUnsafeText({ a: ["\ud83d\ude00", 1, null, true] }), undefined);
  const record = storableRecord();
  assert.deepEqual(record.safeParse({ before: { name: "\ud800" } }).error?.issues[0].path, [
    "before",
    "name",
  ]);
});

const authenticator = gatewayTokens(await testIdentity.verifier("demo"));

function app(options: RouterOptions = {}) {
  const app = createHttpApp({
    authenticator,
    service: "demo",
    logger: createLogger({ service: "demo", sink: () => {} }),
    metrics: createMetrics("demo", { process: false }),
  });
  // Reads the body before the routes, as the idempotency middleware does.
  app.use("/early/*", async (c, next) => {
    await readBody(c);
    await next();
  });
  const router = createRouter(options);
  const thing = z.object({ name: safeText({ min: 1, max: 50 }), tags: z.array(z.string()) });
  for (const prefix of ["/things", "/early/things"]) {
    router.openapi(
      createRoute({
        method: "post",
        path: `${prefix}/{id}`,
        request: {
          params: z.object({ id: decimalId() }),
          query: z.object({ q: safeText({ max: 10 }).optional() }),
          body: jsonBody(thing, { maxBytes: 100 }),
        },
        responses: { 201: { description: "created" } },
      }),
      (c) => c.json({ id: c.req.valid("param").id, ...c.req.valid("json") }, 201),
    );
  }
  // A body declared without jsonBody: required all the same.
  router.openapi(
    createRoute({
      method: "post",
      path: "/plain",
      request: { body: { content: jsonContent(z.object({ name: z.string().optional() })) } },
      responses: { 201: { description: "created" } },
    }),
    (c) => c.json({ name: c.req.valid("json").name ?? "(none)" }, 201),
  );
  router.openapi(
    createRoute({
      method: "post",
      path: "/exports",
      request: { body: jsonBody(z.object({ q: z.string().optional() }), { required: false }) },
      responses: { 202: { description: "accepted" } },
    }),
    (c) => c.json(c.req.valid("json"), 202),
  );
  app.route("/", router);
  return app;
}

const send = async (
  a: ReturnType<typeof app>,
  path: string,
  body?: BodyInit,
  headers: Record<string, string> = { "content-type": "application/json" },
) => {
  const res = await testIdentity.request(a, "demo")(path, { method: "POST", headers, body });
  const doc = await res.json();
  return { status: res.status, type: res.headers.get("content-type"), doc };
};
const named = (doc: { errors?: { path: string }[] }) => doc.errors?.map((e) => e.path) ?? [];

Deno.test("a JSON body is required, valid UTF-8, valid JSON, storable, and within its limit", async () => {
  const a = app();
  const ok = await send(a, "/things/7", JSON.stringify({ name: "Ada 🙂", tags: [] }));
  assert.equal(ok.status, 201);
  assert.deepEqual(ok.doc, { id: 7, name: "Ada 🙂", tags: [] });

  const invalidUtf8 = new Uint8Array([...new TextEncoder().encode('{"name":"'), 0xff, 0x22, 0x7d]);
  for (const prefix of ["/things", "/early/things"]) {
    const res = await send(a, `${prefix}/7`, invalidUtf8);
    assert.equal(res.status, 400, prefix);
    assert.deepEqual(named(res.doc), ["body"]);
    assert.match(res.doc.detail, /not valid UTF-8/);
  }
  const nested = await send(a, "/things/7", '{"name":"x","tags":["ok","\\ud800"]}');
  assert.deepEqual(named(nested.doc), ["tags.1"]);
  const key = await send(a, "/things/7", '{"name":"x","tags":[],"\\u0000":1}');
  assert.equal(key.status, 400);
  const malformed = await send(a, "/things/7", '{"name":');
  assert.match(malformed.doc.detail, /body: is not valid JSON/);

  const none = await send(a, "/things/abc", undefined, {});
  assert.equal(none.status, 400);
  assert.deepEqual(named(none.doc), ["id", "body"], "one answer names every field at fault");
  assert.equal((await send(a, "/things/7", "")).status, 400, "empty, declared as JSON");
  for (const headers of [{}, { "content-type": "application/json" }] as Record<string, string>[]) {
    const plain = await send(a, "/plain", undefined, headers);
    assert.deepEqual(named(plain.doc), ["body"], "required unless it says otherwise");
  }
  assert.equal((await send(a, "/things/7", "{}", { "content-type": "text/plain" })).status, 415);

  const big = JSON.stringify({ name: "x", tags: ["a".repeat(100)] });
  const declared = await send(a, "/things/7", big);
  assert.equal(declared.status, 413);
  assert.equal(declared.type, "application/problem+json");
  const streamed = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("          "));
      controller.close();
    },
  });
  assert.equal((await send(a, "/early/things/7", streamed)).status, 413, "counted, not declared");
});

Deno.test("an optional body may be absent, but not empty when declared as JSON", async () => {
  const a = app();
  assert.equal((await send(a, "/exports", undefined, {})).status, 202);
  assert.equal((await send(a, "/exports", "")).status, 400);
  assert.equal((await send(a, "/exports", '{"q":"x"}')).status, 202);
});

Deno.test("the URL decodes to storable text and Idempotency-Key is bounded, each named", async () => {
  const a = app();
  const body = JSON.stringify({ name: "x", tags: [] });
  const nul = await send(a, "/things/7?q=a%00b", body);
  assert.deepEqual(named(nul.doc), ["q"]);
  assert.equal(nul.doc.errors[0].in, "query");
  const notUtf8 = await send(a, "/things/%FF", body);
  assert.deepEqual(named(notUtf8.doc), ["id"]);
  assert.equal(notUtf8.doc.errors[0].in, "path");
  const surrogate = await send(a, "/things/7?q=%ED%A0%80", body);
  assert.deepEqual(named(surrogate.doc), ["q"]);
  for (const k of ["k".repeat(256), "two words", "caf\u00e9"]) {
    const res = await send(a, "/things/7", body, {
      "content-type": "application/json",
      "idempotency-key": k,
    });
    assert.deepEqual(named(res.doc), ["Idempotency-Key"], k);
  }
});

Deno.test("a compat router's input problems carry the original API's members", async () => {
  const result = await send(app({ compat: "result" }), "/things/7", "{");
  assert.equal(result.doc.result, false);
  assert.match(result.doc.error, /not valid JSON/);
  const error = await send(app({ compat: "error" }), "/things/7", "{");
  assert.equal(error.doc.result, undefined);
  assert.match(error.doc.error, /^is not valid JSON/);
  const tooLarge = await send(app({ compat: "result" }), "/things/7", "x".repeat(101));
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.doc.result, false);
});
