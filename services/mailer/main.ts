/**
 * Composition root of the mailer: config → bootstrap → adapters → app → sender consumer and
 * scheduler → serve. `startMailer` is exported so tests can run it in-process with a clock of
 * their own; run as a program it starts with the environment and the system clock.
 */
import client from "prom-client";
import {
  bootstrap,
  consumerSpec,
  IDEMPOTENCY_BUCKET,
  type Runtime,
  serve,
  startConsumer,
  uuidv7,
} from "@flotilla/backbone";
import {
  fleetCatalog,
  MAILER_CLAIMS_BUCKET,
  MAILER_SENDER,
  MAILER_SENDS_STREAM,
  type SendRequested,
} from "@flotilla/contracts";
import { SendClaims } from "./adapters/claims.ts";
import { ProviderClient } from "./adapters/provider.ts";
import { countsByStatus } from "./adapters/repo.ts";
import { sendStore } from "./adapters/send_store.ts";
import { createApp } from "./app.ts";
import { loadMailerConfig } from "./config.ts";
import { type Clock, systemClock } from "./domain/clock.ts";
import { Scheduler } from "./handlers/scheduler.ts";
import { sendHandler } from "./handlers/send.ts";

export const SERVICE = "mailer";

export interface MailerOptions {
  /** Environment to read the config from; the process environment by default. */
  env?: Record<string, string | undefined>;
  clock?: Clock;
}

export interface RunningMailer {
  runtime: Runtime;
  server: Deno.HttpServer;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export async function startMailer(options: MailerOptions = {}): Promise<RunningMailer> {
  const config = loadMailerConfig(options.env);
  const clock = options.clock ?? systemClock;
  const runtime = await bootstrap({
    service: SERVICE,
    catalog: fleetCatalog,
    natsUrl: config.NATS_URL,
    databaseUrl: config.DATABASE_URL,
    logLevel: config.LOG_LEVEL,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    relay: true,
    poolSize: config.DB_POOL_SIZE,
  });
  const { sql, metrics, logger, lifecycle } = runtime;

  new client.Gauge({
    name: "mailer_messages",
    help: "Messages by status, over all mailings",
    labelNames: ["status"],
    registers: [metrics.registry],
    async collect() {
      const counts = await countsByStatus(sql).catch(() => undefined);
      if (counts) {
        for (const [status, n] of Object.entries(counts)) this.labels({ status }).set(n);
      }
    },
  });

  const provider = new ProviderClient({
    url: config.PROVIDER_URL,
    token: config.PROVIDER_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    breakerThreshold: config.BREAKER_THRESHOLD,
    breakerHalfOpenMs: config.BREAKER_HALF_OPEN_MS,
    metrics,
  });
  const claims = new SendClaims(await runtime.kv(MAILER_CLAIMS_BUCKET), `mailer-${uuidv7()}`);
  const scheduler = new Scheduler({
    sql,
    catalog: runtime.catalog,
    source: SERVICE,
    clock,
    logger: logger.child({ component: "scheduler" }),
    intervalMs: config.SCHEDULER_INTERVAL_MS,
  });

  const app = createApp({
    service: SERVICE,
    logger,
    metrics,
    sql,
    catalog: runtime.catalog,
    clock,
    wakeScheduler: () => scheduler.wake(),
    readiness: runtime.readiness,
    idempotencyKv: await runtime.kv(IDEMPOTENCY_BUCKET),
  });

  const sender = startConsumer<SendRequested>({
    nc: runtime.nats.nc,
    catalog: runtime.catalog,
    stream: MAILER_SENDS_STREAM,
    durable: MAILER_SENDER,
    logger,
    metrics,
    concurrency: config.SENDER_CONCURRENCY,
    handler: sendHandler({
      sql,
      store: sendStore(sql),
      claims,
      provider,
      clock,
      metrics,
      leaseMs: config.CLAIM_LEASE_MS || config.PROVIDER_TIMEOUT_MS + 2_000,
      endMarginMs: config.SEND_END_MARGIN_MS,
      maxDeliveries: consumerSpec(runtime.catalog, MAILER_SENDS_STREAM, MAILER_SENDER)
        .maxDeliveries ?? 5,
    }),
  });
  lifecycle.defer("sender", () => sender.stop());
  scheduler.start();
  lifecycle.defer("scheduler", () => scheduler.stop());

  const server = serve(runtime, app, config.PORT);
  return { runtime, server, scheduler, stop: () => lifecycle.shutdown("stopped") };
}

if (import.meta.main) {
  await startMailer();
}
