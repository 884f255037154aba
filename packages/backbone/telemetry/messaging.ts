/**
 * The spans of the bus (OpenTelemetry messaging conventions): the relay's `publish` of an
 * outbox row, child of the trace the row was written in, and a consumer's `process` of a
 * message, child of the publish whose context the message carries in its headers.
 */
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { errorMessage } from "../errors.ts";
import { contextOf, traceparentOf, tracer } from "./trace.ts";

export function publishSpan(
  subject: string,
  eventId: string,
  traceparent: string | undefined,
  enqueuedAt: Date,
): Span {
  return tracer.startSpan(`publish ${subject}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      "messaging.system": "nats",
      "messaging.operation.type": "send",
      "messaging.destination.name": subject,
      "messaging.message.id": eventId,
      "flotilla.outbox.wait_ms": Date.now() - enqueuedAt.getTime(),
    },
  }, contextOf(traceparent));
}

/** The headers a message goes out with: the publish span's context in place of the row's. */
export function carrying(headers: Record<string, string>, span: Span): Record<string, string> {
  const traceparent = traceparentOf(span);
  return traceparent ? { ...headers, traceparent } : headers;
}

/** What a `process` span reads of a JetStream message. */
export interface TracedMessage {
  subject: string;
  headers?: { get(name: string): string };
  info: { streamSequence: number; deliveryCount: number };
}

export function processSpan(consumer: string, msg: TracedMessage): Span {
  return tracer.startSpan(`process ${consumer}`, {
    kind: SpanKind.CONSUMER,
    attributes: {
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.destination.name": msg.subject,
      "messaging.consumer.group.name": consumer,
      "messaging.message.id": msg.headers?.get("Nats-Msg-Id") ?? "",
      "flotilla.stream_sequence": msg.info.streamSequence,
      "flotilla.deliveries": msg.info.deliveryCount,
    },
  }, contextOf(msg.headers?.get("traceparent")));
}

/** A batch's handler runs in one span that links the spans of its messages. */
export function batchSpan(consumer: string, messages: Span[]): Span {
  return tracer.startSpan(`process ${consumer} batch`, {
    kind: SpanKind.CONSUMER,
    links: messages.map((s) => ({ context: s.spanContext() })),
    attributes: {
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": consumer,
      "messaging.batch.message_count": messages.length,
    },
  }, ROOT_CONTEXT);
}

export function markFailed(span: Span | undefined, err: unknown): void {
  span?.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
}

/** Runs `work`; the spans end with it, marked failed if it threw. */
export async function traced<R>(spans: Span[], work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (err) {
    for (const span of spans) markFailed(span, err);
    throw err;
  } finally {
    for (const span of spans) span.end();
  }
}
