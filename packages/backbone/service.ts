/**
 * What every service's composition root needs before its own parts: logger, metrics, NATS
 * (reconnecting forever), JetStream provisioned from the catalog, Postgres migrated, the
 * outbox relay, readiness checks, and a lifecycle that stops it all in order. `main.ts` calls
 * `bootstrap`, builds its app with `createApp(deps)`, starts its consumers and calls `serve`.
 */
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { ExponentialBackoff, handleWhen, retry } from "cockatiel";
import { type KV, Kvm } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Catalog } from "./catalog.ts";
import { connectPostgres, postgresReady, type Sql, survivePostgresSocketRace } from "./db.ts";
import { dispositionOf } from "./disposition.ts";
import { errorMessage } from "./errors.ts";
import type { AppEnv, ReadinessCheck } from "./http.ts";
import { createLogger, type Logger, type LogLevel } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { BACKBONE_SCOPE, migrate } from "./migrate.ts";
import { connectNats, type NatsHandle } from "./nats.ts";
import { OutboxRelay } from "./outbox.ts";
import { provision } from "./provision.ts";
import { Lifecycle } from "./shutdown.ts";

export interface BootstrapOptions {
  service: string;
  catalog: Catalog;
  natsUrl: string;
  /** Omit for a service without a database. */
  databaseUrl?: string;
  /** Migration scope under migrations/; the service name by default. */
  migrations?: string;
  logLevel?: LogLevel;
  shutdownTimeoutMs?: number;
  /** Runs the outbox relay (services that emit events). */
  relay?: boolean;
  /** The relay's polling fallback, when a notification is lost; 1 s by default. */
  relayPollMs?: number;
  /** Inbox rows older than this are pruned (redeliveries happen within minutes). */
  inboxRetentionDays?: number;
  poolSize?: number;
  /** Exit on SIGTERM/SIGINT after a graceful shutdown (off for services run inside a test). */
  handleSignals?: boolean;
}

export interface Runtime {
  service: string;
  logger: Logger;
  metrics: Metrics;
  nats: NatsHandle;
  js: JetStreamClient;
  sql: Sql;
  catalog: Catalog;
  lifecycle: Lifecycle;
  readiness: Record<string, ReadinessCheck>;
  kv(bucket: string): Promise<KV>;
  objects(bucket: string): Promise<ObjectStore>;
}

export async function bootstrap(options: BootstrapOptions): Promise<Runtime> {
  const logger = createLogger({ service: options.service, level: options.logLevel });
  const metrics = createMetrics(options.service);
  const lifecycle = new Lifecycle(logger, options.shutdownTimeoutMs);
  if (options.handleSignals ?? true) lifecycle.listen();

  const nats = await connectNats({ url: options.natsUrl, name: options.service, logger });
  lifecycle.defer("nats", async () => {
    await nats.nc.drain().catch(() => nats.nc.close());
  });
  // Start-up waits for its dependencies instead of crashing: NATS may be up before JetStream
  // is ready, Postgres may still be starting.
  const untilAvailable = retry(handleWhen((err) => dispositionOf(err) !== "dead_letter"), {
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 5_000 }),
  });
  untilAvailable.onRetry((reason) =>
    logger.warn("a dependency is not ready; retrying start-up step", {
      error: "error" in reason ? errorMessage(reason.error) : "",
    })
  );
  await untilAvailable.execute(() => provision(nats.nc, options.catalog, logger), lifecycle.signal);
  const readiness: Record<string, ReadinessCheck> = { nats: () => nats.connected() };

  let sql = undefined as unknown as Sql;
  if (options.databaseUrl) {
    survivePostgresSocketRace(logger);
    sql = connectPostgres({
      url: options.databaseUrl,
      name: options.service,
      max: options.poolSize,
    });
    lifecycle.defer("postgres", () => sql.end({ timeout: 5 }));
    await untilAvailable.execute(
      () => migrate(sql, [BACKBONE_SCOPE, options.migrations ?? options.service], { logger }),
      lifecycle.signal,
    );
    const retentionDays = options.inboxRetentionDays ?? 7;
    const prune = setInterval(() => {
      sql`delete from inbox where handled_at < now() - make_interval(days => ${retentionDays})`
        .catch((err) => logger.warn("inbox pruning failed", { error: errorMessage(err) }));
    }, 3600_000);
    lifecycle.defer("inbox pruning", () => clearInterval(prune));
    readiness.postgres = () => postgresReady(sql);
    if (options.relay) {
      const relay = new OutboxRelay({
        sql,
        nc: nats.nc,
        logger,
        metrics,
        pollMs: options.relayPollMs,
      });
      await relay.start();
      lifecycle.defer("outbox relay", () => relay.stop());
      metrics.setOutboxPendingSource(() => relay.pending());
    }
  }

  const kvm = new Kvm(nats.nc);
  const objm = new Objm(nats.nc);
  return {
    service: options.service,
    logger,
    metrics,
    nats,
    js: jetstream(nats.nc),
    sql,
    catalog: options.catalog,
    lifecycle,
    readiness,
    kv: (bucket) => kvm.open(bucket),
    objects: (bucket) => objm.open(bucket),
  };
}

/** Anything with a fetch handler: the Hono app, or a fast path in front of it. */
export interface Fetchable {
  fetch(request: Request, info: Deno.ServeHandlerInfo): Response | Promise<Response>;
}

/** Serves the app; on shutdown it stops accepting and finishes requests in flight. */
export function serve(
  runtime: Runtime,
  app: OpenAPIHono<AppEnv> | Fetchable,
  port: number,
): Deno.HttpServer {
  const server = Deno.serve({
    hostname: "0.0.0.0",
    port,
    onListen: ({ port }) => runtime.logger.info("listening", { port }),
  }, (request, info) => app.fetch(request, info));
  // Registered last, so it stops first: no new requests while consumers wind down.
  runtime.lifecycle.defer("http", () => server.shutdown());
  return server;
}
