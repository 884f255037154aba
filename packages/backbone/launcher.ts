/**
 * The one way a service starts. `main.ts` declares what the service needs (Postgres, NATS with
 * its catalog) and how to build its parts from the runtime (the HTTP app, consumers, workers);
 * `runService` connects what was declared as the service's own identity (waiting for each
 * dependency instead of crashing, and for what the provision step creates: its streams,
 * consumers, buckets and migrations), runs the outbox relay, starts the parts, serves HTTP,
 * and on SIGTERM/SIGINT stops them in order: HTTP, consumers, workers, relay, NATS, Postgres.
 * A service creates nothing itself: it has no rights to (see access.ts).
 *
 * The runtime's type follows the declaration: a service that declares `postgres` gets `sql`,
 * one that declares `nats` gets `nats`, `js`, `kv()` and `objects()`; the others do not.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";
import type { ServiceAccess } from "./access.ts";
import type { Catalog } from "./catalog.ts";
import { type RunningConsumer, startConsumer } from "./consumer.ts";
import { type ConsumerDeclaration, declaredOptions } from "./consumer/declaration.ts";
import type { Sql } from "./db.ts";
import { dispositionOf } from "./disposition.ts";
import { errorMessage } from "./errors.ts";
import type { ReadinessCheck } from "./http/app.ts";
import { IdentityVerifier } from "./http/identity.ts";
import { connectNatsParts, connectPostgresParts } from "./launcher_connect.ts";
import { createLogger, type Logger, type LogLevel } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { NatsHandle } from "./nats.ts";
import { OutboxRelay } from "./outbox.ts";
import { retryWhile } from "./resilience.ts";
import { Lifecycle } from "./shutdown.ts";
import { startTelemetry, type TelemetryConfig } from "./telemetry/service.ts";

/** The configuration every service has (see `baseShape`). */
export interface BaseConfig extends TelemetryConfig {
  readonly PORT: number;
  /** Interface to listen on. */
  readonly HOST?: string;
  /** The gateway's public key; a service that has it verifies every request with it. */
  readonly IDENTITY_PUBLIC_KEY?: string;
  readonly LOG_LEVEL: LogLevel;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  readonly NATS_URL?: string;
  readonly NATS_NKEY?: string;
  readonly NATS_TLS_CA_FILE?: string;
  readonly NATS_TLS_CERT_FILE?: string;
  readonly NATS_TLS_KEY_FILE?: string;
  readonly DATABASE_URL?: string;
  readonly DATABASE_PASSWORD?: string;
}

export interface PostgresNeed {
  /** Migration scope under migrations/; the service name by default. */
  migrations?: string;
  /** Runs the outbox relay (services that emit events). */
  relay?: boolean;
  /** The relay's polling fallback when a notification is lost; 1 s by default. */
  relayPollMs?: number;
  poolSize?: number;
  /** Inbox rows older than this are pruned (redeliveries happen within minutes). */
  inboxRetentionDays?: number;
}

export interface NatsNeed {
  /** The fleet's catalog (event schemas and subjects). */
  catalog: Catalog;
  /** What this service may touch; it waits at start until all of it exists. */
  access: ServiceAccess;
}

export interface Needs {
  postgres?: PostgresNeed;
  nats?: NatsNeed;
}

export interface BaseRuntime<C extends BaseConfig = BaseConfig> {
  readonly service: string;
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly lifecycle: Lifecycle;
  /** Named checks behind /readyz; parts may add their own. */
  readonly readiness: Record<string, ReadinessCheck>;
}

export interface NatsRuntime {
  readonly nats: NatsHandle;
  readonly js: JetStreamClient;
  readonly catalog: Catalog;
  kv(bucket: string): Promise<KV>;
  objects(bucket: string): Promise<ObjectStore>;
}

export interface PostgresRuntime {
  readonly sql: Sql;
}

export interface IdentityRuntime {
  /** Verifies the gateway's tokens addressed to this service. */
  readonly identity: IdentityVerifier;
}

/** What a service gets, following what it declared. */
export type Runtime<C extends BaseConfig, N extends Needs> =
  & BaseRuntime<C>
  & (N extends { nats: NatsNeed } ? NatsRuntime : unknown)
  & (N extends { postgres: PostgresNeed } ? PostgresRuntime : unknown)
  & (C extends { readonly IDENTITY_PUBLIC_KEY: string } ? IdentityRuntime : unknown);

/** Anything with a fetch handler: a Hono app, or a fast path in front of one. */
export interface Fetchable {
  fetch(request: Request, info: Deno.ServeHandlerInfo): Response | Promise<Response>;
}

/** A background part with a life of its own (a loop, a cache): started, and stopped on shutdown. */
export interface Worker {
  readonly name: string;
  start?(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface ServiceParts {
  app: Fetchable;
  consumers?: ConsumerDeclaration[];
  workers?: Worker[];
}

export interface ServiceDefinition<C extends BaseConfig, N extends Needs> {
  name: string;
  config: C;
  needs: N;
  /** Builds the service's parts from the runtime; called once everything declared is up. */
  start(runtime: Runtime<C, N>): ServiceParts | Promise<ServiceParts>;
}

export interface RunOptions {
  /** Exit on SIGTERM/SIGINT after a graceful shutdown (off for services run inside a test). */
  handleSignals?: boolean;
  /** Interface to listen on; the configured HOST by default. */
  hostname?: string;
}

export interface RunningService<C extends BaseConfig, N extends Needs> {
  readonly runtime: Runtime<C, N>;
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  readonly consumers: RunningConsumer[];
  /** Graceful shutdown, as on SIGTERM. */
  stop(): Promise<void>;
}

/** Declares a service; `main.ts` passes the result to `runService`. */
export function defineService<C extends BaseConfig, N extends Needs>(
  definition: ServiceDefinition<C, N>,
): ServiceDefinition<C, N> {
  return definition;
}

export async function runService<C extends BaseConfig, N extends Needs>(
  definition: ServiceDefinition<C, N>,
  options: RunOptions = {},
): Promise<RunningService<C, N>> {
  const { name, config, needs } = definition;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  const metrics = createMetrics(name);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  if (options.handleSignals ?? true) lifecycle.listen();
  const readiness: Record<string, ReadinessCheck> = {};
  // Start-up waits for its dependencies instead of crashing: NATS may be up before JetStream
  // is ready, Postgres may still be starting.
  const untilAvailable = <R>(step: () => Promise<R>) =>
    retryWhile(step, {
      when: (err) => dispositionOf(err) !== "dead_letter",
      signal: lifecycle.signal,
      initialDelayMs: 250,
      maxDelayMs: 5_000,
      onRetry: (err) =>
        logger.warn("a dependency is not ready; retrying start-up step", {
          error: errorMessage(err),
        }),
    });

  const runtime: Record<string, unknown> = {
    service: name,
    config,
    logger,
    metrics,
    lifecycle,
    readiness,
  };
  if (config.IDENTITY_PUBLIC_KEY) {
    runtime.identity = await IdentityVerifier.fromKey(config.IDENTITY_PUBLIC_KEY, name);
  }
  let natsParts: NatsRuntime | undefined;
  if (needs.nats) {
    natsParts = await connectNatsParts(name, config, needs.nats, {
      logger,
      lifecycle,
      readiness,
      untilAvailable,
    });
    Object.assign(runtime, natsParts);
  }
  let sql: Sql | undefined;
  if (needs.postgres) {
    sql = await connectPostgresParts(name, config, needs.postgres, {
      logger,
      lifecycle,
      readiness,
      untilAvailable,
    });
    runtime.sql = sql;
    if (needs.postgres.relay) {
      if (!natsParts) throw new Error(`${name}: the outbox relay needs nats in its declaration`);
      const relay = new OutboxRelay({
        sql,
        nc: natsParts.nats.nc,
        logger,
        metrics,
        pollMs: needs.postgres.relayPollMs,
      });
      await relay.start();
      lifecycle.defer("outbox relay", () => relay.stop());
    }
  }

  const typed = runtime as Runtime<C, N>;
  const parts = await definition.start(typed);
  for (const worker of parts.workers ?? []) {
    await worker.start?.();
    lifecycle.defer(worker.name, () => worker.stop());
  }
  const consumers: RunningConsumer[] = [];
  for (const declaration of parts.consumers ?? []) {
    if (!natsParts) throw new Error(`${name}: consumers need nats in the declaration`);
    const copies = declaration.copies ?? 1;
    const allowed = needs.nats?.access.consumes ?? [];
    const { stream, durable } = declaration;
    if (!allowed.some((c) => c.stream === stream && c.durable === durable)) {
      throw new Error(`${name}: consumer ${stream}/${durable} is not in its access declaration`);
    }
    const supplied = { nc: natsParts.nats.nc, catalog: natsParts.catalog, logger, metrics };
    for (let copy = 0; copy < copies; copy++) {
      const running = startConsumer(declaredOptions(name, declaration, supplied, sql));
      consumers.push(running);
      lifecycle.defer(
        `consumer ${running.name}${copies > 1 ? ` #${copy}` : ""}`,
        () => running.stop(),
      );
    }
  }
  await startTelemetry({
    config,
    logger,
    metrics,
    lifecycle,
    postgres: needs.postgres,
    sql,
    nc: natsParts?.nats.nc,
    consumers: parts.consumers ?? [],
  });
  const server = Deno.serve({
    hostname: options.hostname ?? config.HOST ?? "127.0.0.1",
    port: config.PORT,
    onListen: ({ port }) => logger.info("listening", { port }),
  }, (request, info) => parts.app.fetch(request, info));
  // Registered last, so it stops first: no new requests while consumers wind down.
  lifecycle.defer("http", () => server.shutdown());
  return { runtime: typed, server, consumers, stop: () => lifecycle.shutdown("stopped") };
}
