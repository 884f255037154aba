import assert from "node:assert/strict";
import { API_KEYS_BUCKET, apiKeysCatalog, runService } from "@flotilla/backbone";
import { gatewayAccess } from "@flotilla/contracts";
import { freePort } from "@flotilla/infra";
import { bearer, createTestKey, integration, testEnv, testIdentity } from "@flotilla/testkit";
import { createApp, gatewayDeps } from "./app.ts";
import { loadGatewayConfig, SERVICE } from "./config.ts";

integration("on the launcher the gateway has NATS for its keys, and no database", async () => {
  await using env = await testEnv();
  const { key } = await createTestKey(env);
  const port = freePort();
  const running = await runService({
    name: SERVICE,
    config: loadGatewayConfig({
      PORT: String(port),
      LOG_LEVEL: "error",
      ...await env.serviceEnv(SERVICE),
      ...testIdentity.env,
    }),
    needs: { nats: { catalog: apiKeysCatalog, access: gatewayAccess } },
    async start(rt) {
      // @ts-expect-error: no postgres declared, so no sql
      assert.equal(rt.sql, undefined);
      const deps = await gatewayDeps({ ...rt, keysKv: await rt.kv(API_KEYS_BUCKET) });
      return { app: createApp(deps), workers: [deps.keys] };
    },
  }, { handleSignals: false });
  try {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 503, "no upstream configured: not ready");
    assert.deepEqual((await ready.json()).service, "gateway");
    const missing = await fetch(`http://127.0.0.1:${port}/api/v1/users/1`, {
      headers: bearer(key),
    });
    assert.equal(missing.status, 503);
    assert.match((await missing.json()).detail, /UPSTREAM_USERS is not set/);
  } finally {
    await running.stop();
  }
});
