/**
 * `@flotilla/backbone/telemetry`: the runtime's tracing pieces, for a service that adds spans of
 * its own (`tracer`, the active trace) and for measuring what the bus's spans cost.
 */
export {
  activeTraceIds,
  activeTraceparent,
  contextOf,
  rememberTrace,
  traceOf,
  traceparentOf,
  tracer,
  tracing,
} from "./trace.ts";
export {
  batchSpan,
  carrying,
  markFailed,
  processSpan,
  publishSpan,
  traced,
  type TracedMessage,
} from "./messaging.ts";
