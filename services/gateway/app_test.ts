import assert from "node:assert/strict";
import { runService } from "@flotilla/backbone";
import { freePort } from "@flotilla/infra";
import { createApp, gatewayDeps } from "./app.ts";
import { loadGatewayConfig, SERVICE } from "./config.ts";

Deno.test("on the launcher with needs {}, the runtime has neither a database nor NATS", async () => {
  const port = freePort();
  const running = await runService({
    name: SERVICE,
    config: loadGatewayConfig({ PORT: String(port), LOG_LEVEL: "error" }),
    needs: {},
    start(rt) {
      // @ts-expect-error: no postgres declared, so no sql
      assert.equal(rt.sql, undefined);
      // @ts-expect-error: no nats declared, so no kv()
      assert.equal(rt.kv, undefined);
      return { app: createApp(gatewayDeps(rt)) };
    },
  }, { handleSignals: false, hostname: "127.0.0.1" });
  try {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 503, "no upstream configured: not ready");
    assert.deepEqual((await ready.json()).service, "gateway");
    const missing = await fetch(`http://127.0.0.1:${port}/api/v1/users/1`);
    assert.equal(missing.status, 503);
    assert.match((await missing.json()).detail, /UPSTREAM_USERS is not set/);
  } finally {
    await running.stop();
  }
});
