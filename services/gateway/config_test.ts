import assert from "node:assert/strict";
import { ConfigError } from "@flotilla/backbone";
import { loadGatewayConfig, oidcSettings, ROUTES, UPSTREAM_NAMES, upstreamUrls } from "./config.ts";

// Only its shape is checked here; the key itself is imported when the gateway starts.
const KEY = { IDENTITY_SIGNING_KEY: "MC4CAQAwBQYDK2VwBCIEIA".padEnd(64, "A") };

Deno.test("every upstream is optional; a set one loses its trailing slash", () => {
  const config = loadGatewayConfig({ ...KEY, UPSTREAM_USERS: "http://127.0.0.1:8084/" });
  const urls = upstreamUrls(config);
  assert.equal(urls.users, "http://127.0.0.1:8084");
  assert.equal(urls.accounts, undefined);
  assert.equal(config.PORT, 8080);
  assert.equal(config.HOST, "127.0.0.1", "loopback unless told otherwise");
});

Deno.test("a bad upstream URL stops start-up naming the variable", () => {
  assert.throws(
    () => loadGatewayConfig({ ...KEY, UPSTREAM_ORDERS: "nats://127.0.0.1:4222" }),
    (err: unknown) => err instanceof ConfigError && /UPSTREAM_ORDERS/.test(err.message),
  );
});

Deno.test("without a signing key the gateway does not start", () => {
  assert.throws(
    () => loadGatewayConfig({}),
    (err: unknown) =>
      err instanceof ConfigError && /IDENTITY_SIGNING_KEY: .*deno task dev/.test(err.message),
  );
});

Deno.test("the signing key is a secret: read from IDENTITY_SIGNING_KEY_FILE, never shown", async () => {
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, `${KEY.IDENTITY_SIGNING_KEY}\n`);
    const config = loadGatewayConfig({ IDENTITY_SIGNING_KEY_FILE: file });
    assert.equal(config.IDENTITY_SIGNING_KEY, KEY.IDENTITY_SIGNING_KEY);
  } finally {
    await Deno.remove(file);
  }
  const tooShort = "MC4CAQAwBQYDK2VwBCIEI-secret";
  assert.throws(
    () => loadGatewayConfig({ IDENTITY_SIGNING_KEY: tooShort }),
    (err: unknown) =>
      err instanceof ConfigError && /IDENTITY_SIGNING_KEY: expected an Ed25519/.test(err.message) &&
      !err.message.includes(tooShort),
  );
});

Deno.test("trusted proxies are CIDRs or addresses; anything else is named", () => {
  const config = loadGatewayConfig({
    ...KEY,
    TRUSTED_PROXIES: "10.0.0.0/8, 192.168.1.7, fd00::/8",
  });
  assert.ok(config.TRUSTED_PROXIES.has("10.1.2.3"));
  assert.ok(config.TRUSTED_PROXIES.has("192.168.1.7"));
  assert.ok(!config.TRUSTED_PROXIES.has("192.168.1.8"));
  assert.ok(config.TRUSTED_PROXIES.has("fd12::1"));
  assert.throws(
    () => loadGatewayConfig({ ...KEY, TRUSTED_PROXIES: "10.0.0.0/33" }),
    (err: unknown) =>
      err instanceof ConfigError && /TRUSTED_PROXIES.*10\.0\.0\.0\/33/.test(err.message),
  );
});

Deno.test("OIDC is all or nothing: an issuer without audience or JWKS stops start-up", () => {
  assert.equal(oidcSettings(loadGatewayConfig(KEY)), undefined);
  const partial = loadGatewayConfig({ ...KEY, OIDC_ISSUER: "https://id.example" });
  assert.throws(() => oidcSettings(partial), /OIDC_AUDIENCE and OIDC_JWKS_URL/);
  const full = loadGatewayConfig({
    ...KEY,
    OIDC_ISSUER: "https://id.example",
    OIDC_AUDIENCE: "flotilla",
    OIDC_JWKS_URL: "https://id.example/jwks",
  });
  assert.equal(oidcSettings(full)?.scopeClaim, "scope");
});

Deno.test("every route names a known upstream and every upstream has a route", () => {
  for (const route of ROUTES) assert.ok(UPSTREAM_NAMES.includes(route.upstream as never));
  for (const name of UPSTREAM_NAMES) assert.ok(ROUTES.some((r) => r.upstream === name), name);
});
