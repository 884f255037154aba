/**
 * A service-shaped worker for the shutdown tests: batch consumer writing one row per event
 * into `effects` (the test creates the table: the worker's role cannot).
 */
import { testAccess, testCatalog } from "@flotilla/testkit";
import { baseShape, env, loadConfig } from "../config.ts";
import { createHttpApp } from "../http/app.ts";
import { gatewayTokens } from "../http/auth.ts";
import { runService } from "../launcher.ts";

const config = loadConfig({ ...baseShape("test", 8999), BATCH_DELAY_MS: env.millis(20) });
await runService({
  name: "batch-worker",
  config,
  needs: { nats: { catalog: testCatalog, access: testAccess }, postgres: { migrations: "none" } },
  start: (rt) => {
    return {
      app: createHttpApp({ ...rt, authenticator: gatewayTokens(rt.identity) }),
      consumers: [{
        stream: "TEST",
        durable: "test-worker",
        transactional: true,
        batch: {
          size: 100,
          handler: async (events: { data: { n: number } }[], { tx }) => {
            await tx`insert into effects ${tx(events.map((e) => ({ n: e.data.n })))}`;
            await new Promise((r) => setTimeout(r, config.BATCH_DELAY_MS)); // a slow batch
          },
        },
      }],
    };
  },
});
