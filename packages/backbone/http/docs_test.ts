import assert from "node:assert/strict";
import { docsRoutes } from "./docs.ts";

const docs = () =>
  docsRoutes({
    title: "Demo <API>",
    note: "Keys work at the gateway.",
    openapiPath: "/openapi.json",
  });

/** Every `src` and `href` of the page. */
const linksOf = (page: string) => [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);

Deno.test("/docs is Swagger UI over /openapi.json under a strict CSP, with no inline script", async () => {
  const res = await docs().request("/docs");
  assert.equal(res.status, 200);
  const csp = res.headers.get("content-security-policy") ?? "";
  assert.match(csp, /^default-src 'self'; /);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, "nothing inline, no other origin");
  const page = await res.text();
  assert.match(page, /<title>Demo &#60;API&#62;<\/title>/, "text is escaped");
  assert.match(page, /<p id="docs-note">Keys work at the gateway.<\/p>/);
  assert.match(page, /<div id="swagger-ui" data-openapi="\/openapi.json">/);
  const scripts = [...page.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
  assert.equal(scripts.length, 2, "Swagger UI and its initializer");
  for (const [, attributes, body] of scripts) {
    assert.match(attributes, / src="\/docs\/assets\//);
    assert.equal(body, "", "no inline script");
  }
  assert.doesNotMatch(page, /<style|style=/, "no inline style");
  for (const link of linksOf(page)) assert.match(link, /^\/docs\/assets\/[\w.-]+\?v=[0-9a-f]{16}$/);
});

Deno.test("every file the page names is served from the package, versioned, cached for good and gzipped once", async () => {
  const app = docs();
  const page = await (await app.request("/docs")).text();
  const types: Record<string, string> = {};
  for (const link of linksOf(page)) {
    const res = await app.request(link);
    assert.equal(res.status, 200, link);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(`"${new URL(link, "http://x").searchParams.get("v")}"`, res.headers.get("etag"));
    types[new URL(link, "http://x").pathname] = res.headers.get("content-type") ?? "";
    await res.body?.cancel();
  }
  assert.deepEqual(types, {
    "/docs/assets/favicon-32x32.png": "image/png",
    "/docs/assets/swagger-ui.css": "text/css; charset=utf-8",
    "/docs/assets/docs.css": "text/css; charset=utf-8",
    "/docs/assets/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "/docs/assets/docs.js": "text/javascript; charset=utf-8",
  });

  const bundle = await app.request("/docs/assets/swagger-ui-bundle.js");
  const plain = new Uint8Array(await bundle.arrayBuffer());
  assert.ok(plain.length > 1_000_000, "Swagger UI's own bundle");
  const zipped = await app.request("/docs/assets/swagger-ui-bundle.js", {
    headers: { "accept-encoding": "gzip, deflate, br" },
  });
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  assert.equal(zipped.headers.get("vary"), "accept-encoding");
  const etag = zipped.headers.get("etag") ?? "";
  assert.notEqual(etag, bundle.headers.get("etag"), "each encoding its own tag");
  const unzipped = zipped.body!.pipeThrough(new DecompressionStream("gzip"));
  assert.deepEqual(new Uint8Array(await new Response(unzipped).arrayBuffer()), plain);

  const again = await app.request("/docs/assets/swagger-ui-bundle.js", {
    headers: { "accept-encoding": "gzip", "if-none-match": etag },
  });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("a file the page does not name is a 404 problem, not a read of the package", async () => {
  for (const name of ["index.html", "package.json", "..%2Fpackage.json", "nothing.js"]) {
    const res = await docs().request(`/docs/assets/${name}`);
    assert.equal(res.status, 404, name);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.match((await res.json()).detail, /No docs asset named/);
  }
});
