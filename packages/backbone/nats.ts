/** The NATS connection: reconnects forever, logs every status change, and reports liveness. */
import { connect, type NatsConnection } from "@nats-io/transport";
import type { Logger } from "./log.ts";

export type { NatsConnection };

export interface NatsOptions {
  url: string;
  name: string;
  logger: Logger;
}

export interface NatsHandle {
  nc: NatsConnection;
  /** True while the client holds a live connection. */
  connected(): boolean;
}

export async function connectNats(options: NatsOptions): Promise<NatsHandle> {
  const nc = await connect({
    servers: options.url.split(","),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    // The first connect waits too: a service that starts before NATS keeps trying.
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
  let up = true;
  const log = options.logger.child({ component: "nats" });
  log.info("connected to NATS", { server: nc.getServer() });
  (async () => {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          up = false;
          log.warn("NATS disconnected", { server: status.server });
          break;
        case "reconnect":
          up = true;
          log.info("NATS reconnected", { server: status.server });
          break;
        case "reconnecting":
          break;
        case "error":
          log.error("NATS error", { error: String(status.error) });
          break;
        default:
          log.debug("NATS status", { status: status.type });
      }
    }
  })().catch(() => {});
  return { nc, connected: () => up && !nc.isClosed() };
}
