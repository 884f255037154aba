/** gateway: the one entry point (port 8080); no database, no NATS. */
import { runService } from "@flotilla/backbone";
import { createApp, gatewayDeps } from "./app.ts";
import { loadGatewayConfig, SERVICE } from "./config.ts";

await runService({
  name: SERVICE,
  config: loadGatewayConfig(),
  needs: {},
  start: (rt) => ({ app: createApp(gatewayDeps(rt)) }),
});
