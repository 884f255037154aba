/** A service's telemetry at start-up: says whether it traces, and starts the metrics sampler. */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import type { ConsumerDeclaration } from "../consumer/declaration.ts";
import type { Sql } from "../db.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Lifecycle } from "../shutdown.ts";
import {
  consumerLag,
  deadLetterDepth,
  outboxBacklog,
  postgresPool,
  type Probe,
  sampler,
} from "./sampling.ts";

/** The telemetry settings of a service's configuration (see `telemetryShape`). */
export interface TelemetryConfig {
  readonly OTEL_DENO?: boolean;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  readonly OTEL_EXPORTER_OTLP_PROTOCOL?: string;
  readonly METRICS_SAMPLE_MS?: number;
}

export interface TelemetryParts {
  config: TelemetryConfig;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  postgres: { relay?: boolean; poolSize?: number } | undefined;
  sql: Sql | undefined;
  nc: NatsConnection | undefined;
  consumers: ConsumerDeclaration[];
}

export async function startTelemetry(parts: TelemetryParts): Promise<void> {
  const { config, logger, metrics, lifecycle } = parts;
  if (config.OTEL_DENO) {
    logger.info("tracing on", {
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    });
  }
  const probes = await probesOf(parts);
  if (probes.length === 0) return;
  const sampling = sampler(probes, metrics, logger, config.METRICS_SAMPLE_MS ?? 5_000);
  sampling.start();
  lifecycle.defer("metrics sampler", () => sampling.stop());
}

/** What the sampler reads for this service: its durables' lag and dead letters, outbox, pool. */
async function probesOf(parts: TelemetryParts): Promise<Probe[]> {
  const { metrics, postgres, sql, nc } = parts;
  const probes: Probe[] = [];
  if (sql && postgres) {
    probes.push(postgresPool(sql, metrics, postgres.poolSize ?? 10));
    if (postgres.relay) probes.push(outboxBacklog(sql, metrics));
  }
  const durables = [
    ...new Map(parts.consumers.map((c) => [`${c.stream}/${c.durable}`, c])).values(),
  ];
  if (nc && durables.length > 0) {
    // No account info check: a service may only ask what its access grants (access.ts).
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    probes.push(consumerLag(jsm, metrics, durables));
    probes.push(deadLetterDepth(jsm, metrics, durables));
  }
  return probes;
}
