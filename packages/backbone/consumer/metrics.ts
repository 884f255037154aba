/** The consumer's metrics: messages by outcome, and the in-flight gauge and duration of units. */
import type { Metrics } from "../metrics.ts";
import type { Step } from "./compose.ts";

export type Counted = "ack" | "duplicate" | "retry" | "held" | "dead_letter";
export type Count = (outcome: Counted, n?: number) => void;

export function counter(metrics: Metrics | undefined, consumer: string): Count {
  return (outcome, n = 1) => {
    if (n > 0) metrics?.consumerMessages.labels({ consumer, outcome }).inc(n);
  };
}

/** Counts a unit's messages in flight while the rest of the pipeline has them, and times it. */
export function measure<T>(metrics: Metrics | undefined, consumer: string): Step<T> {
  return (next) => async (work) => {
    if (!metrics) return await next(work);
    const started = performance.now();
    metrics.consumerInFlight.labels({ consumer }).inc(work.length);
    try {
      return await next(work);
    } finally {
      metrics.consumerInFlight.labels({ consumer }).dec(work.length);
      metrics.consumerDuration.labels({ consumer }).observe((performance.now() - started) / 1000);
    }
  };
}
