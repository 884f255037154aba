/**
 * Composition root of the gateway. It has no database and does not need NATS, so instead of
 * `bootstrap` it builds the same pieces itself: config, logger, metrics, lifecycle, the app.
 */
import { createLogger, createMetrics, Lifecycle } from "@flotilla/backbone";
import { createApp } from "./app.ts";
import { loadGatewayConfig, UPSTREAM_ENV } from "./config.ts";
import { gatewayDeps } from "./wiring.ts";

const config = loadGatewayConfig();
const logger = createLogger({ service: "gateway", level: config.LOG_LEVEL });
const metrics = createMetrics("gateway");
const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
lifecycle.listen();

const deps = gatewayDeps(config, { logger, metrics });
for (const u of deps.upstreams.values()) {
  if (!u.configured) {
    logger.warn("upstream not configured; its routes answer 503", {
      upstream: u.name,
      variable: UPSTREAM_ENV[u.name as keyof typeof UPSTREAM_ENV],
    });
  }
}
const server = Deno.serve({
  hostname: "0.0.0.0",
  port: config.PORT,
  onListen: ({ port }) =>
    logger.info("listening", {
      port,
      upstreams: Object.fromEntries(
        [...deps.upstreams.values()].map((u) => [u.name, u.baseUrl ?? null]),
      ),
      rate_limit_rps: config.RATE_LIMIT_RPS,
    }),
}, createApp(deps).fetch);
lifecycle.defer("http", () => server.shutdown());
