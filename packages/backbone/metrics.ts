/**
 * Prometheus metrics: one registry per service, built at the composition root. Names carry
 * their unit (`_seconds`, `_messages`, `_total` for counters); label values come from small
 * fixed sets (routes as templates, durables, breaker names, reason classes), never from ids.
 * What lives elsewhere (JetStream, Postgres) is sampled on a timer (telemetry/sampling.ts).
 */
import client from "prom-client";
import { CircuitState } from "./resilience.ts";

/** What a circuit breaker is doing; the gauge says 0, 1 and 2 (isolated counts as open). */
export type BreakerStateName = "closed" | "half-open" | "open" | "isolated";
const BREAKER_VALUE: Record<BreakerStateName | CircuitState, number> = {
  closed: 0,
  "half-open": 1,
  open: 2,
  isolated: 2,
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

export interface Metrics {
  registry: client.Registry;
  httpRequests: client.Counter<"method" | "route" | "status">;
  httpDuration: client.Histogram<"method" | "route">;
  idempotencyReplays: client.Counter<"route">;
  consumerMessages: client.Counter<"consumer" | "outcome">;
  consumerDuration: client.Histogram<"consumer">;
  consumerInFlight: client.Gauge<"consumer">;
  consumerPending: client.Gauge<"consumer">;
  consumerAckPending: client.Gauge<"consumer">;
  consumerRedelivered: client.Gauge<"consumer">;
  deadLetters: client.Gauge<"consumer" | "reason">;
  outboxPublished: client.Counter<never>;
  outboxPending: client.Gauge<never>;
  outboxOldestAge: client.Gauge<never>;
  outboxErrors: client.Counter<never>;
  postgresPool: {
    max: client.Gauge<never>;
    open: client.Gauge<never>;
    inUse: client.Gauge<never>;
    lockWaits: client.Gauge<never>;
    probe: client.Gauge<never>;
  };
  sampleFailures: client.Counter<"probe">;
  /** Reports a circuit breaker's state (read at scrape time) as `circuit_breaker_state`. */
  breaker(name: string, state: () => BreakerStateName | CircuitState): void;
  /** Service-specific metrics register here too. */
  counter<L extends string>(name: string, help: string, labels?: L[]): client.Counter<L>;
  /** With `read`, the gauge takes its value from it at scrape time. */
  gauge<L extends string>(
    name: string,
    help: string,
    labels?: L[],
    read?: () => number | Promise<number>,
  ): client.Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labels?: L[],
    buckets?: number[],
  ): client.Histogram<L>;
}

export function createMetrics(service: string, options: { process?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  if (options.process ?? true) client.collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labels: L[] = []) =>
    new client.Counter<L>({ name, help, labelNames: labels, registers: [registry] });
  const gauge = <L extends string>(
    name: string,
    help: string,
    labels: L[] = [],
    read?: () => number | Promise<number>,
  ) =>
    new client.Gauge<L>({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      ...(read
        ? {
          async collect() {
            this.set(await read());
          },
        }
        : {}),
    });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labels: L[] = [],
    buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ) => new client.Histogram<L>({ name, help, labelNames: labels, buckets, registers: [registry] });
  const breakers = new Map<string, () => BreakerStateName | CircuitState>();
  new client.Gauge<"breaker">({
    name: "circuit_breaker_state",
    help: "Circuit breaker state by breaker: 0 closed, 1 half-open, 2 open",
    labelNames: ["breaker"],
    registers: [registry],
    collect() {
      for (const [breaker, read] of breakers) this.labels({ breaker }).set(BREAKER_VALUE[read()]);
    },
  });
  const sampled = "(sampled)";
  return {
    registry,
    counter,
    gauge,
    histogram,
    breaker: (name, state) => void breakers.set(name, state),
    httpRequests: counter("http_requests_total", "HTTP requests", ["method", "route", "status"]),
    httpDuration: histogram("http_request_duration_seconds", "HTTP request duration", [
      "method",
      "route",
    ]),
    idempotencyReplays: counter(
      "idempotency_replays_total",
      "Responses replayed for a repeated Idempotency-Key",
      ["route"],
    ),
    consumerMessages: counter(
      "consumer_messages_total",
      "Messages handled by outcome (ack, duplicate, retry, held, dead_letter)",
      ["consumer", "outcome"],
    ),
    consumerDuration: histogram(
      "consumer_handle_seconds",
      "Handler duration (per batch in batch mode)",
      ["consumer"],
    ),
    consumerInFlight: gauge("consumer_in_flight", "Messages being handled now", ["consumer"]),
    consumerPending: gauge(
      "consumer_pending_messages",
      `Messages on the stream not yet delivered to the durable (JetStream num_pending) ${sampled}`,
      ["consumer"],
    ),
    consumerAckPending: gauge(
      "consumer_ack_pending_messages",
      `Messages delivered and not yet acknowledged (num_ack_pending) ${sampled}`,
      ["consumer"],
    ),
    consumerRedelivered: gauge(
      "consumer_redelivered_messages",
      `Messages delivered more than once and not yet acknowledged (num_redelivered) ${sampled}`,
      ["consumer"],
    ),
    deadLetters: gauge(
      "dead_letter_messages",
      `Messages in the dead-letter stream by consumer and reason class ${sampled}`,
      ["consumer", "reason"],
    ),
    outboxPublished: counter("outbox_published_total", "Outbox rows published to JetStream"),
    outboxPending: gauge("outbox_pending", `Outbox rows not yet published ${sampled}`),
    outboxOldestAge: gauge(
      "outbox_oldest_age_seconds",
      `Age of the oldest unpublished outbox row, 0 when empty ${sampled}`,
    ),
    outboxErrors: counter("outbox_relay_errors_total", "Relay passes that failed"),
    postgresPool: {
      max: gauge("postgres_pool_max_connections", "Connections the pool may open"),
      open: gauge(
        "postgres_pool_open_connections",
        `This service's connections Postgres sees (pg_stat_activity) ${sampled}`,
      ),
      inUse: gauge(
        "postgres_pool_in_use_connections",
        `Of those, running a query or inside a transaction ${sampled}`,
      ),
      lockWaits: gauge(
        "postgres_pool_lock_wait_connections",
        `Of those, waiting for a lock held by another transaction ${sampled}`,
      ),
      probe: gauge(
        "postgres_pool_probe_seconds",
        `How long the sampler's query took through the pool: it waits when every connection is busy ${sampled}`,
      ),
    },
    sampleFailures: counter(
      "metrics_sample_failures_total",
      "Samples that failed (the sampled metrics keep their last value)",
      ["probe"],
    ),
  };
}
