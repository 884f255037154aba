/**
 * The metrics that live elsewhere (a durable's lag in JetStream, the dead-letter stream, the
 * outbox table, Postgres's view of the pool) are sampled on a timer and the gauges keep the
 * last sample: a scrape only reads memory, however many scrapers there are, and a sample that
 * fails leaves the last value and counts in `metrics_sample_failures_total`.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import { DEAD_LETTER_CLASSES, deadLettersOf, DLQ_STREAM } from "../dead_letter.ts";
import type { Sql } from "../db.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Loop } from "../loop.ts";
import type { Metrics } from "../metrics.ts";

/** One source of samples; `name` labels its failures. */
export interface Probe {
  name: string;
  sample(): Promise<void>;
}

/** A loop that samples every probe each `intervalMs`. */
export function sampler(probes: Probe[], metrics: Metrics, logger: Logger, intervalMs: number) {
  return new Loop({
    name: "metrics sampler",
    logger,
    idleMs: intervalMs,
    pass: async () => {
      await Promise.all(probes.map((p) =>
        p.sample().catch((err) => {
          metrics.sampleFailures.labels({ probe: p.name }).inc();
          logger.debug("metrics sample failed", { probe: p.name, error: errorMessage(err) });
        })
      ));
      return false;
    },
  });
}

export interface DurableRef {
  stream: string;
  durable: string;
}

/** Per durable: what it has not been delivered yet, what it holds unacked, what came again. */
export function consumerLag(
  jsm: JetStreamManager,
  metrics: Metrics,
  durables: DurableRef[],
): Probe {
  return {
    name: "consumer_lag",
    async sample() {
      await Promise.all(durables.map(async ({ stream, durable }) => {
        const info = await jsm.consumers.info(stream, durable);
        const consumer = { consumer: durable };
        metrics.consumerPending.labels(consumer).set(info.num_pending);
        metrics.consumerAckPending.labels(consumer).set(info.num_ack_pending);
        metrics.consumerRedelivered.labels(consumer).set(info.num_redelivered);
      }));
    },
  };
}

/**
 * Dead letters of these durables by reason class, from the dead-letter stream's message count
 * per subject (`dlq.<stream>.<consumer>.<class>`), asked for its own durables' subjects only:
 * messages replayed or purged leave the count.
 */
export function deadLetterDepth(
  jsm: JetStreamManager,
  metrics: Metrics,
  durables: DurableRef[],
): Probe {
  return {
    name: "dead_letters",
    async sample() {
      await Promise.all(durables.map(async ({ stream, durable }) => {
        const info = await jsm.streams.info(DLQ_STREAM, {
          subjects_filter: deadLettersOf(stream, durable),
        });
        const depth = new Map<string, number>();
        for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
          const reason = subject.split(".")[3];
          depth.set(reason, (depth.get(reason) ?? 0) + n);
        }
        for (const reason of DEAD_LETTER_CLASSES) {
          metrics.deadLetters.labels({ consumer: durable, reason }).set(depth.get(reason) ?? 0);
        }
      }));
    },
  };
}

/** Rows waiting in the outbox, and how long the oldest has waited. */
export function outboxBacklog(sql: Sql, metrics: Metrics): Probe {
  return {
    name: "outbox",
    async sample() {
      const [row] = await sql<{ n: number; age: number }[]>`
        select count(*)::int as n,
               coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age
        from outbox`;
      metrics.outboxPending.set(row.n);
      metrics.outboxOldestAge.set(row.age);
    },
  };
}

/**
 * The pool as Postgres sees it: postgres.js does not expose its pool, so this counts the
 * connections with this service's application_name in pg_stat_activity (all its replicas on
 * that database, the sampler's own excluded), and times the sampler's query, which waits for a
 * free connection like any other when the pool is saturated.
 */
export function postgresPool(sql: Sql, metrics: Metrics, max: number): Probe {
  metrics.postgresPool.max.set(max);
  return {
    name: "postgres_pool",
    async sample() {
      const started = performance.now();
      const [row] = await sql<{ open: number; in_use: number; lock_waits: number }[]>`
        select count(*)::int as open,
               count(*) filter (where state <> 'idle')::int as in_use,
               count(*) filter (where wait_event_type = 'Lock')::int as lock_waits
        from pg_stat_activity
        where datname = current_database()
          and application_name = current_setting('application_name')
          and pid <> pg_backend_pid()`;
      metrics.postgresPool.probe.set((performance.now() - started) / 1000);
      metrics.postgresPool.open.set(row.open);
      metrics.postgresPool.inUse.set(row.in_use);
      metrics.postgresPool.lockWaits.set(row.lock_waits);
    },
  };
}
