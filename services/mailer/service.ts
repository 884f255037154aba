/**
 * The mailer as the launcher runs it: what it needs and how its parts are built. main.ts runs it
 * with the environment and the system clock; tests run it in-process with a clock of their own
 * (testing.ts).
 */
import client from "prom-client";
import { defineService, IDEMPOTENCY_BUCKET, type Metrics, type Sql } from "@flotilla/backbone";
import { fleetCatalog, MAILER_CLAIMS_BUCKET, mailerAccess } from "@flotilla/contracts";
import { countsByStatus } from "./adapters/messages.ts";
import { createApp } from "./app.ts";
import { type MailerConfig, SERVICE } from "./config.ts";
import { mailerConsumers } from "./consumers.ts";
import type { Clock } from "./domain/clock.ts";
import { schedulerLoop } from "./workers.ts";

export function mailerService(config: MailerConfig, clock: Clock) {
  return defineService({
    name: SERVICE,
    config,
    needs: {
      nats: { catalog: fleetCatalog, access: mailerAccess },
      postgres: { relay: true, poolSize: config.DB_POOL_SIZE },
    },
    async start(rt) {
      const { sql, catalog, logger, metrics } = rt;
      const commands = { service: rt.service, sql, catalog };
      countMessages(metrics, sql);
      const scheduler = schedulerLoop({
        ...commands,
        clock,
        logger,
        intervalMs: config.SCHEDULER_INTERVAL_MS,
      });
      return {
        app: createApp({
          ...commands,
          clock,
          logger,
          metrics,
          identity: rt.identity,
          readiness: rt.readiness,
          idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET),
          wakeScheduler: () => scheduler.wake(),
        }),
        consumers: mailerConsumers({
          config,
          sql,
          catalog,
          metrics,
          clock,
          claims: await rt.kv(MAILER_CLAIMS_BUCKET),
        }),
        workers: [scheduler],
      };
    },
  });
}

/** `mailer_messages{status}`, read from Postgres at each scrape. */
function countMessages(metrics: Metrics, sql: Sql): void {
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
}
