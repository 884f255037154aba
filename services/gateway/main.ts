/** gateway: the one entry point (port 8080); no database, NATS for the API keys. */
import { API_KEYS_BUCKET, apiKeysCatalog, runService } from "@flotilla/backbone";
import { gatewayAccess } from "@flotilla/contracts";
import { createApp, gatewayDeps } from "./app.ts";
import { loadGatewayConfig, SERVICE } from "./config.ts";

await runService({
  name: SERVICE,
  config: loadGatewayConfig(),
  needs: { nats: { catalog: apiKeysCatalog, access: gatewayAccess } },
  start: async (rt) => {
    const deps = await gatewayDeps({ ...rt, keysKv: await rt.kv(API_KEYS_BUCKET) });
    return { app: createApp(deps), workers: [deps.keys] };
  },
});
