/**
 * The one event envelope every service publishes and consumes. `data` is validated against the
 * schema the catalog declares for `type`.
 */
import { z } from "zod";
import { safeText } from "./http/input.ts";
import { uuidv7 } from "./ids.ts";

export interface Envelope<T = unknown> {
  /** UUIDv7; also the JetStream `Nats-Msg-Id`, so the server drops duplicates. */
  id: string;
  type: string;
  /** The service that emitted it. */
  source: string;
  /** RFC 3339. */
  time: string;
  /** The aggregate the event is about: its order key. */
  subject: string;
  correlation_id: string;
  causation_id: string | null;
  data: T;
}

export const envelopeSchema = z.object({
  id: safeText({ min: 1, max: 64 }),
  type: z.string().regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, "expected a dotted event type"),
  source: safeText({ min: 1, max: 64 }),
  time: z.iso.datetime({ offset: true }),
  subject: safeText({ min: 1, max: 256 }),
  correlation_id: safeText({ min: 1, max: 128 }),
  causation_id: safeText({ max: 128 }).nullable(),
  data: z.unknown(),
});

export interface NewEvent<T> {
  type: string;
  source: string;
  subject: string | number;
  data: T;
  /** The event or request this one follows from; its correlation id is carried over. */
  cause?: { id: string; correlation_id: string } | { correlationId: string };
  id?: string;
  time?: Date;
}

export function createEvent<T>(e: NewEvent<T>): Envelope<T> {
  const id = e.id ?? uuidv7();
  let correlation = id;
  let causation: string | null = null;
  if (e.cause && "id" in e.cause) {
    correlation = e.cause.correlation_id;
    causation = e.cause.id;
  } else if (e.cause) {
    correlation = e.cause.correlationId;
  }
  return {
    id,
    type: e.type,
    source: e.source,
    time: (e.time ?? new Date()).toISOString(),
    subject: String(e.subject),
    correlation_id: correlation,
    causation_id: causation,
    data: e.data,
  };
}
