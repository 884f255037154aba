/** The auditlog's consumer: batches of `audit.>` on the shared durable, in pipelines. */
import type { AuditData, Catalog, ConsumerDeclaration, Metrics } from "@flotilla/backbone";
import { AUDIT_STREAM, AUDITLOG_CONSUMER } from "@flotilla/contracts";
import type { AuditlogConfig } from "./config.ts";
import type { ChainKeys } from "./domain/chain.ts";
import { auditDecoder } from "./handlers/decode.ts";
import { ingestHandler } from "./handlers/ingest.ts";

export interface IngestDeps {
  catalog: Catalog;
  /** The current key hashes what is stored. */
  chainKeys: ChainKeys;
  metrics?: Metrics;
  config: Pick<AuditlogConfig, "AUDIT_BATCH_SIZE" | "AUDIT_BATCH_WAIT_MS" | "AUDIT_PIPELINES">;
}

/**
 * One declaration, `AUDIT_PIPELINES` copies: while one batch holds the chain head, the next
 * is decoded and claimed in the inbox, so the JavaScript and Postgres work overlap.
 */
export function ingestConsumer(deps: IngestDeps): ConsumerDeclaration<AuditData> {
  return {
    stream: AUDIT_STREAM,
    durable: AUDITLOG_CONSUMER,
    transactional: true,
    copies: deps.config.AUDIT_PIPELINES,
    decode: auditDecoder(deps.catalog),
    batch: {
      handler: ingestHandler(deps),
      size: deps.config.AUDIT_BATCH_SIZE,
      maxWaitMs: deps.config.AUDIT_BATCH_WAIT_MS,
    },
  };
}
