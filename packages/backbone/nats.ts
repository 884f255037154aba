/**
 * The NATS connection: reconnects forever, logs every status change, and reports liveness.
 * A service connects as its own identity (an nkey seed), with the reply-inbox prefix its
 * permissions allow, and over TLS when a CA or client certificate is configured.
 */
import { connect, createInbox, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport";
import type { Logger } from "./log.ts";

export type { NatsConnection };

/** Who connects and how: every field optional, as the configuration has them. */
export interface NatsCredentials {
  /** The identity's nkey seed (`SU…`). */
  nkey?: string;
  /** Prefix of this connection's reply inboxes (`_INBOX.<service>`). */
  inboxPrefix?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface NatsOptions extends NatsCredentials {
  url: string;
  name: string;
  logger: Logger;
}

/** Connection options for `credentials` (what a tool or a test needs to connect as someone). */
export function natsAuthOptions(credentials: NatsCredentials) {
  const tls = credentials.tls;
  return {
    ...(credentials.nkey
      ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(credentials.nkey.trim())) }
      : {}),
    ...(credentials.inboxPrefix ? { inboxPrefix: credentials.inboxPrefix } : {}),
    ...(tls && (tls.caFile || tls.certFile) ? { tls } : {}),
  };
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
    ...natsAuthOptions(options),
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

/**
 * A new reply inbox under the connection's own prefix: the only inboxes its permissions let
 * it subscribe to (for hand-made request pipelines; nats.js's own requests use it already).
 */
export function newInbox(nc: NatsConnection): string {
  return createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}

export interface NatsHandle {
  nc: NatsConnection;
  /** True while the client holds a live connection. */
  connected(): boolean;
}
