/**
 * The fleet-wide /openapi.json, /docs and /readyz, and the gateway as a process: it starts
 * without Postgres (NATS only, for its keys), answers for what it has, and stops cleanly on
 * SIGTERM.
 */
import assert from "node:assert/strict";
import { startGateway, stubUpstream, usersOpenApi } from "@flotilla/gateway/testing";
import { freePort } from "@flotilla/infra";
import {
  bearer,
  createTestKey,
  eventually,
  integration,
  testEnv,
  testIdentity,
} from "@flotilla/testkit";

integration(
  "/openapi.json merges every upstream's API and lists the ones that are down",
  async () => {
    await using env = await testEnv();
    let served = 0;
    await using users = stubUpstream((_req, seen) => {
      if (seen.path === "/openapi.json") {
        served++;
        return Response.json(usersOpenApi);
      }
      return Response.json({ status: "ready" });
    });
    const orders = stubUpstream();
    await orders.stop();
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      UPSTREAM_ORDERS: orders.url,
      DOCS_CACHE_MS: "60000",
    });
    const started = performance.now();
    const doc = await (await fetch(`${gateway.url}/openapi.json`)).json();
    assert.ok(performance.now() - started < 1_500, "a down upstream does not hold the page");
    assert.ok(doc.paths["/api/v1/users"].post, "users' own path is in");
    assert.ok(doc.paths["/public/listings"].get, "the gateway's BFF is in");
    assert.ok(doc.paths["/public/users"].post);
    assert.equal(
      doc.paths["/healthz"],
      undefined,
      "upstream paths the gateway does not route stay out",
    );
    assert.ok(doc.components.schemas["users.User"]);
    assert.deepEqual(Object.keys(doc.components.securitySchemes), ["bearer"], "the gateway's");
    assert.deepEqual(doc.paths["/api/v1/keys"].post.security, [{ bearer: ["admin"] }]);
    assert.deepEqual(doc.paths["/public/listings"].get.security, [], "the search is public");
    assert.equal(doc["x-upstreams"].users, "available");
    assert.equal(doc["x-upstreams"].orders, "unavailable: connection refused");
    assert.equal(doc["x-upstreams"].mailer, "unavailable: not configured");

    await (await fetch(`${gateway.url}/openapi.json`)).body?.cancel();
    assert.equal(served, 1, "the merged document is cached");

    assert.match(doc.info.description, /orders \(unavailable: connection refused\)/);

    // Swagger UI renders that document (tests/api_docs_browser_test.ts); a person needs no
    // key to open the page, and learns there where one goes.
    const page = await fetch(`${gateway.url}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /data-openapi="\/openapi.json"/);
    assert.match(html, /Authorize with an API key/);
    const bundle = html.match(/src="(\/docs\/assets\/swagger-ui-bundle.js[^"]*)"/)?.[1];
    const asset = await fetch(`${gateway.url}${bundle}`);
    assert.equal(asset.status, 200, "its files too");
    await asset.body?.cancel();
  },
);

integration(
  "/readyz reports each upstream; the gateway stays ready while some are up",
  async () => {
    await using users = stubUpstream(() => Response.json({ status: "ready" }));
    await using listings = stubUpstream(() =>
      Response.json({ status: "unavailable" }, { status: 503 })
    );
    await using env = await testEnv();
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      UPSTREAM_LISTINGS: listings.url,
    });
    const res = await fetch(`${gateway.url}/readyz`);
    assert.equal(res.status, 200);
    const report = await res.json();
    assert.equal(report.status, "degraded");
    assert.equal(report.checks.users, "up");
    assert.equal(report.checks.listings, "down");
    assert.equal(report.checks.orders, "not_configured");
    assert.equal(report.circuits.users, "closed");

    await using none = await startGateway(env, {});
    const empty = await fetch(`${none.url}/readyz`);
    assert.equal(empty.status, 503, "with no upstream at all it is not ready");
    assert.equal((await empty.json()).status, "unavailable");
  },
);

integration(
  "the gateway process starts without Postgres and stops on SIGTERM",
  async () => {
    await using env = await testEnv();
    const { key } = await createTestKey(env);
    await using users = stubUpstream((_req, seen) =>
      Response.json({ path: seen.path, authorization: seen.headers.get("authorization") })
    );
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../services/gateway/main.ts", import.meta.url).pathname],
      env: {
        PORT: String(port),
        UPSTREAM_USERS: users.url,
        ...await env.serviceEnv("gateway"),
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
        ...testIdentity.env,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(
        "the gateway to listen",
        async () => {
          const res = await fetch(`${url}/healthz`);
          await res.body?.cancel();
          return res.ok;
        },
        30_000,
        100,
      );
      const routed = await (await fetch(`${url}/api/v1/users/3`, { headers: bearer(key) })).json();
      assert.equal(routed.path, "/api/v1/users/3");
      const token = routed.authorization.replace(/^Bearer /, "");
      assert.notEqual(token, key, "the client's key stays at the gateway");
      const verified = await (await testIdentity.verifier("users")).verify(token);
      assert.equal(verified.principal.type, "key", "the upstream gets a token it can verify");
      const missing = await fetch(`${url}/api/v1/mailings`, { headers: bearer(key) });
      assert.equal(missing.status, 503);
      assert.match((await missing.json()).detail, /UPSTREAM_MAILER is not set/);
    } finally {
      child.kill("SIGTERM");
    }
    const status = await child.status;
    const [stdout] = await output;
    assert.equal(status.code, 0, stdout.slice(-2_000));
    assert.match(
      stdout,
      /"msg":"upstream not configured; its routes answer 503","upstream":"orders"/,
    );
    assert.match(stdout, /"msg":"stopped"/);
  },
);
