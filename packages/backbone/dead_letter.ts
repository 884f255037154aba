/**
 * The dead-letter stream. A message that can never be handled is published here with its
 * reason and origin in headers, then `term()`ed; `deno task dlq` inspects and replays them.
 * Its subject, `dlq.<stream>.<consumer>.<class>`, names the consumer and the class of reason,
 * so the depth of each is read from the stream's per-subject counts.
 */
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { defineCatalog } from "./catalog.ts";

export const DLQ_STREAM = "DLQ";
export const DLQ_SUBJECT_PREFIX = "dlq";

export const DeadLetterHeaders = {
  reason: "Flotilla-Dead-Reason",
  subject: "Flotilla-Original-Subject",
  stream: "Flotilla-Original-Stream",
  sequence: "Flotilla-Original-Seq",
  consumer: "Flotilla-Consumer",
  deliveries: "Flotilla-Deliveries",
  deadAt: "Flotilla-Dead-At",
  class: "Flotilla-Dead-Class",
} as const;

/**
 * Why a message was given up, in a few words fit for a metric label: it did not decode, the
 * handler found it invalid, the handler failed for good, or every allowed delivery failed.
 */
export const DEAD_LETTER_CLASSES = ["decode", "validation", "permanent", "exhausted"] as const;
export type DeadLetterClass = typeof DEAD_LETTER_CLASSES[number];

export const deadLetterCatalog = defineCatalog({
  streams: [{
    name: DLQ_STREAM,
    subjects: [`${DLQ_SUBJECT_PREFIX}.>`],
    description: "Messages no consumer could handle, with the reason and origin in headers",
    maxAgeMs: 30 * 24 * 3600_000,
    maxMsgSize: 8 * 1024 * 1024,
  }],
});

/** Header values are one line of bounded length. */
function headerValue(text: string, max = 4_000): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface DeadLetterInfo {
  reason: string;
  consumer: string;
  class: DeadLetterClass;
}

export function deadLetterSubject(stream: string, consumer: string, kind: DeadLetterClass): string {
  return `${DLQ_SUBJECT_PREFIX}.${stream}.${consumer}.${kind}`;
}

/** Every dead letter of one durable, whatever its class: `dlq.<stream>.<consumer>.*`. */
export function deadLettersOf(stream: string, consumer: string): string {
  return `${DLQ_SUBJECT_PREFIX}.${stream}.${consumer}.*`;
}

export async function deadLetter(js: JetStreamClient, msg: JsMsg, info: DeadLetterInfo) {
  const h: MsgHdrs = natsHeaders();
  for (const [k, values] of msg.headers ?? []) {
    if (k.startsWith("Nats-")) continue;
    for (const v of values) h.append(k, v);
  }
  h.set(DeadLetterHeaders.reason, headerValue(info.reason));
  h.set(DeadLetterHeaders.subject, msg.subject);
  h.set(DeadLetterHeaders.stream, msg.info.stream);
  h.set(DeadLetterHeaders.sequence, String(msg.info.streamSequence));
  h.set(DeadLetterHeaders.consumer, info.consumer);
  h.set(DeadLetterHeaders.deliveries, String(msg.info.deliveryCount));
  h.set(DeadLetterHeaders.deadAt, new Date().toISOString());
  h.set(DeadLetterHeaders.class, info.class);
  // One dead letter per original message, even if we crash before term() and see it again.
  await js.publish(deadLetterSubject(msg.info.stream, info.consumer, info.class), msg.data, {
    headers: h,
    msgID: `dlq:${msg.info.stream}:${msg.info.streamSequence}`,
  });
}
