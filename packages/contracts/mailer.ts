/**
 * The mailer family. A started mailing fans out one `mailer.send.requested` per message into the
 * MAILER_SENDS work queue (through the outbox); the `mailer-sender` workers take them, claim the
 * send in the `mailer_send_claims` KV bucket with `kv.create` and call the external provider.
 */
import { z } from "zod";
import { defineCatalog } from "@flotilla/backbone";

export const MAILER_SENDS_STREAM = "MAILER_SENDS";
export const MAILER_SENDER = "mailer-sender";
export const MAILER_SEND_REQUESTED = "mailer.send.requested";
export const MAILER_CLAIMS_BUCKET = "mailer_send_claims";

export const sendRequestedSchema = z.object({
  message_id: z.number().int().positive(),
  mailing_id: z.number().int().positive(),
  client_id: z.number().int().positive(),
});
export type SendRequested = z.infer<typeof sendRequestedSchema>;

export const mailerCatalog = defineCatalog({
  streams: [{
    name: MAILER_SENDS_STREAM,
    subjects: ["mailer.send.>"],
    description: "Mailer work queue: one message per send; removed once a sender acks it",
    retention: "workqueue",
  }],
  consumers: [{
    stream: MAILER_SENDS_STREAM,
    durable: MAILER_SENDER,
    description: "Mailer sender workers: call the external provider for one message each",
    filterSubject: "mailer.send.>",
    ackWaitMs: 10_000,
    // Provider outages hold messages (no delivery spent); these count plain failures only.
    maxDeliveries: 8,
    maxAckPending: 4_096,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
  }],
  kv: [{
    bucket: MAILER_CLAIMS_BUCKET,
    description: "Mailer send claims: message id → sending (with lease) or sent; at most one send",
    history: 1,
    ttlMs: 30 * 24 * 3600_000,
  }],
  events: {
    [MAILER_SEND_REQUESTED]: {
      schema: sendRequestedSchema,
      description: "A message of a mailing is due to be sent to its client",
    },
  },
});
