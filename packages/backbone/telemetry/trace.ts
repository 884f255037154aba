/**
 * Distributed traces, through Deno's built-in OpenTelemetry. With `OTEL_DENO=true` Deno exports
 * spans over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL` http/protobuf or
 * http/json) and traces `Deno.serve` and `fetch` itself, joining the incoming `traceparent`.
 * What Deno cannot see is added here: the relay's publish of each outbox row and each
 * consumer's processing of a message, the W3C context travelling in the row's and the NATS
 * message's `traceparent` header. With tracing off the API is a no-op and a `traceparent`
 * passes through unchanged, as it did before.
 */
import {
  type Context,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
  TraceFlags,
} from "@opentelemetry/api";

export { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

/** The runtime's spans (publish, process); Deno's own are the HTTP server and fetch spans. */
export const tracer = trace.getTracer("flotilla");

/**
 * Whether spans are recorded (Deno's OpenTelemetry is on), decided once at start from a probe
 * span that is never ended, so never exported. Off, the runtime skips its spans altogether.
 */
export const tracing: boolean = tracer.startSpan("flotilla.probe").isRecording();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context a `traceparent` header describes; the root context for none or a bad one. */
export function contextOf(traceparent: string | undefined | null): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  const parent: SpanContext = {
    traceId: m[1],
    spanId: m[2],
    traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(parent) ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** The `traceparent` of a span; undefined for an invalid one (tracing off, no parent). */
export function traceparentOf(span: Span | undefined): string | undefined {
  const sc = span?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  const flags = sc.traceFlags & TraceFlags.SAMPLED ? "01" : "00";
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** The `traceparent` of the active span, if a recording one is active. */
export function activeTraceparent(): string | undefined {
  return traceparentOf(trace.getSpan(context.active()));
}

/** `trace_id` and `span_id` of the active span, for log lines; undefined outside a span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

/**
 * The trace an event was handled in, by the event object a consumer handed to its handler: what
 * a batch handler emits because of one of its events (`emit.for({ cause })`) continues that
 * event's trace, not the batch's.
 */
const handledIn = new WeakMap<object, string>();

export function rememberTrace(event: object, traceparent: string | undefined): void {
  if (traceparent) handledIn.set(event, traceparent);
}

export function traceOf(event: object | undefined): string | undefined {
  return event ? handledIn.get(event) : undefined;
}
