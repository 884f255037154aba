/**
 * The dead-letter stream. A message that can never be handled is published here with its
 * reason and origin in headers, then `term()`ed; `deno task dlq` inspects and replays them.
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
} as const;

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
  // One dead letter per original message, even if we crash before term() and see it again.
  await js.publish(`${DLQ_SUBJECT_PREFIX}.${msg.info.stream}.${info.consumer}`, msg.data, {
    headers: h,
    msgID: `dlq:${msg.info.stream}:${msg.info.streamSequence}`,
  });
}
