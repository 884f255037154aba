/**
 * The first step: every message of a unit gets a `process` span, child of the context it was
 * published with, and the rest of the pipeline runs inside a span: the message's own, or for a
 * batch one that links its messages' spans. Log lines inside carry the trace, and what a handler
 * emits continues the trace of the event it follows from (`traceOf(event)`, which `emit.for`
 * and `ctx.traceparent` use). Retries, holds and dead letters are events on the message's span
 * (`spanOf(msg)`). With tracing off the step is not there at all.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { context, type Span, trace } from "@opentelemetry/api";
import { batchSpan, markFailed, processSpan } from "../telemetry/messaging.ts";
import { rememberTrace, traceparentOf, tracing as recording } from "../telemetry/trace.ts";
import type { Step } from "./compose.ts";

const spans = new WeakMap<JsMsg, Span>();

/** The span of a message in hand, for the steps that decide its fate. */
export function spanOf(msg: JsMsg): Span | undefined {
  return spans.get(msg);
}

export function tracing<T>(consumer: string): Step<T> {
  if (!recording) return (next) => next;
  return (next) => async (work) => {
    const own = work.map(({ msg, event }) => {
      const span = processSpan(consumer, msg);
      spans.set(msg, span);
      rememberTrace(event, traceparentOf(span));
      return span;
    });
    const unit = own.length === 1 ? own[0] : batchSpan(consumer, own);
    try {
      return await context.with(trace.setSpan(context.active(), unit), () => next(work));
    } catch (err) {
      markFailed(unit, err);
      throw err;
    } finally {
      if (unit !== own[0]) unit.end();
      for (const [i, span] of own.entries()) {
        span.end();
        spans.delete(work[i].msg);
      }
    }
  };
}

/** A message that never reaches the pipeline (it does not decode) is traced on its own. */
export async function tracedAlone(
  consumer: string,
  msg: JsMsg,
  work: () => Promise<void>,
): Promise<void> {
  if (!recording) return await work();
  const span = processSpan(consumer, msg);
  spans.set(msg, span);
  try {
    await context.with(trace.setSpan(context.active(), span), work);
  } finally {
    span.end();
    spans.delete(msg);
  }
}
