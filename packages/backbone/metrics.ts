/** Prometheus metrics: one registry per service, built at the composition root. */
import client from "prom-client";

export interface Metrics {
  registry: client.Registry;
  httpRequests: client.Counter<"method" | "route" | "status">;
  httpDuration: client.Histogram<"method" | "route">;
  consumerMessages: client.Counter<"consumer" | "outcome">;
  consumerDuration: client.Histogram<"consumer">;
  consumerInFlight: client.Gauge<"consumer">;
  outboxPublished: client.Counter<never>;
  outboxPending: client.Gauge<never>;
  /** Where the outbox_pending gauge reads its value at scrape time. */
  setOutboxPendingSource(read: () => Promise<number>): void;
  outboxErrors: client.Counter<never>;
  /** Service-specific metrics register here too. */
  counter<L extends string>(name: string, help: string, labels?: L[]): client.Counter<L>;
  /** With `read`, the gauge takes its value from it at scrape time. */
  gauge<L extends string>(
    name: string,
    help: string,
    labels?: L[],
    read?: () => number,
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
    read?: () => number,
  ) =>
    new client.Gauge<L>({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      ...(read
        ? {
          collect() {
            this.set(read());
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
  let readPending: (() => Promise<number>) | undefined;
  const outboxPending = new client.Gauge({
    name: "outbox_pending",
    help: "Outbox rows not yet published",
    registers: [registry],
    async collect() {
      if (readPending) this.set(await readPending().catch(() => -1));
    },
  });
  return {
    registry,
    outboxPending,
    setOutboxPendingSource: (read) => readPending = read,
    counter,
    gauge,
    histogram,
    httpRequests: counter("http_requests_total", "HTTP requests", ["method", "route", "status"]),
    httpDuration: histogram("http_request_duration_seconds", "HTTP request duration", [
      "method",
      "route",
    ]),
    consumerMessages: counter(
      "consumer_messages_total",
      "Messages handled by outcome (ack, duplicate, retry, held, dead_letter)",
      ["consumer", "outcome"],
    ),
    consumerDuration: histogram(
      "consumer_handle_seconds",
      "Handler duration (per batch in batch mode)",
      [
        "consumer",
      ],
    ),
    consumerInFlight: gauge("consumer_in_flight", "Messages being handled now", ["consumer"]),
    outboxPublished: counter("outbox_published_total", "Outbox rows published to JetStream"),
    outboxErrors: counter("outbox_relay_errors_total", "Relay passes that failed"),
  };
}
