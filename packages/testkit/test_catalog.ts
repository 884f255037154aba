/** A small catalog for the backbone's own tests. */
import { z } from "zod";
import {
  deadLetterCatalog,
  defineAccess,
  defineCatalog,
  IDEMPOTENCY_BUCKET,
  idempotencyCatalog,
  mergeCatalogs,
} from "@flotilla/backbone";

export const testCatalog = mergeCatalogs(
  deadLetterCatalog,
  idempotencyCatalog,
  defineCatalog({
    streams: [{ name: "TEST", subjects: ["test.>"], description: "backbone tests" }],
    consumers: [
      {
        stream: "TEST",
        durable: "test-worker",
        description: "backbone tests",
        maxDeliveries: 4,
        ackWaitMs: 5_000,
        backoff: { baseMs: 200, maxMs: 5_000 },
      },
      {
        stream: "TEST",
        durable: "test-short-ack",
        // Short enough that a test can wait past ack_wait to see what the server redelivers.
        description: "backbone tests that wait past ack_wait",
        maxDeliveries: 2,
        ackWaitMs: 1_000,
        backoff: { baseMs: 50, maxMs: 200 },
      },
    ],
    events: {
      "test.happened": { schema: z.object({ n: z.number().int(), fail: z.string().optional() }) },
    },
  }),
);

/** The backbone's test worker (testdata/batch_worker.ts), as the harness runs it. */
export const testAccess = defineAccess({
  service: "batch-worker",
  consumes: [{ stream: "TEST", durable: "test-worker" }],
  database: {},
});

/**
 * The backbone's metrics probe (telemetry/metrics_test.ts): the test worker's durable, its own
 * idempotency keys, and a subject no stream stores, for an outbox row that cannot be published.
 */
export const probeAccess = defineAccess({
  service: "probe",
  subjects: ["probe.unstored"],
  consumes: [{ stream: "TEST", durable: "test-worker" }],
  kv: [{ bucket: IDEMPOTENCY_BUCKET, keys: "probe.>" }],
  database: {},
});
