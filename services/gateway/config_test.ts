import assert from "node:assert/strict";
import { ConfigError } from "@flotilla/backbone";
import { loadGatewayConfig, ROUTES, UPSTREAM_NAMES, upstreamUrls } from "./config.ts";

Deno.test("every upstream is optional; a set one loses its trailing slash", () => {
  const config = loadGatewayConfig({ UPSTREAM_USERS: "http://127.0.0.1:8084/" });
  const urls = upstreamUrls(config);
  assert.equal(urls.users, "http://127.0.0.1:8084");
  assert.equal(urls.accounts, undefined);
  assert.equal(config.PORT, 8080);
});

Deno.test("a bad upstream URL stops start-up naming the variable", () => {
  assert.throws(
    () => loadGatewayConfig({ UPSTREAM_ORDERS: "nats://127.0.0.1:4222" }),
    (err: unknown) => err instanceof ConfigError && /UPSTREAM_ORDERS/.test(err.message),
  );
});

Deno.test("every route names a known upstream and every upstream has a route", () => {
  for (const route of ROUTES) assert.ok(UPSTREAM_NAMES.includes(route.upstream as never));
  for (const name of UPSTREAM_NAMES) assert.ok(ROUTES.some((r) => r.upstream === name), name);
});
