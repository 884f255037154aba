/** Ingest of `audit.>`: each batch of events becomes one chained multi-row insert. */
import type { NatsConnection } from "@nats-io/transport";
import {
  type AuditData,
  type BatchHandler,
  type Catalog,
  type Logger,
  type Metrics,
  type RunningConsumer,
  type Sql,
  startConsumer,
} from "@flotilla/backbone";
import { AUDIT_STREAM, AUDITLOG_CONSUMER } from "@flotilla/contracts";
import { appendRecords } from "../adapters/audit_repo.ts";
import { recordFromEvent } from "../domain/record.ts";
import { auditDecoder } from "./decode.ts";

export function ingestHandler(deps: { metrics?: Metrics }): BatchHandler<AuditData> {
  const stored = deps.metrics?.counter("audit_events_stored_total", "Audit events stored");
  const chainHead = deps.metrics?.gauge("audit_chain_head_seq", "Last seq of the hash chain");
  return async function storeAuditEvents(events, ctx) {
    const { last } = await appendRecords(ctx.tx, events.map(recordFromEvent));
    stored?.inc(events.length);
    chainHead?.set(last);
  };
}

export interface IngestOptions {
  nc: NatsConnection;
  sql: Sql;
  catalog: Catalog;
  logger: Logger;
  metrics?: Metrics;
  batchSize: number;
  maxWaitMs: number;
  /**
   * Batches in flight per process. While one holds the chain head, the next is decoded and
   * claimed in the inbox, so the JavaScript and Postgres work overlap.
   */
  pipelines: number;
}

/** Starts the ingest pipelines on the shared durable consumer. */
export function startIngest(options: IngestOptions): RunningConsumer[] {
  const handler = ingestHandler({ metrics: options.metrics });
  const decode = auditDecoder(options.catalog);
  return Array.from({ length: options.pipelines }, () =>
    startConsumer<AuditData>({
      nc: options.nc,
      sql: options.sql,
      catalog: options.catalog,
      stream: AUDIT_STREAM,
      durable: AUDITLOG_CONSUMER,
      logger: options.logger,
      metrics: options.metrics,
      decode,
      batch: { handler, size: options.batchSize, maxWaitMs: options.maxWaitMs },
    }));
}
