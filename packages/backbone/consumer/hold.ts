/**
 * A dependency that is down (Postgres, NATS, a provider: `dispositionOf(err) === "hold"`) is
 * not the message's fault: the unit is tried again in place, with a capped, growing delay,
 * until the dependency is back or the consumer stops. No delivery is spent, and the messages'
 * ack timers are kept alive meanwhile so the server does not hand them to someone else.
 */
import { dispositionOf } from "../disposition.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { retryWhile } from "../resilience.ts";
import type { Step } from "./compose.ts";
import type { Count } from "./metrics.ts";
import { spanOf } from "./trace.ts";

export interface HoldOptions {
  logger: Logger;
  count: Count;
  /** How often a held message tells the server it is still being worked on. */
  keepAliveMs: number;
  /** Ends the holding: the last error goes on, and `settle` releases the messages. */
  stopping: AbortSignal;
}

export function hold<T>(options: HoldOptions): Step<T> {
  const { logger, count, keepAliveMs, stopping } = options;
  return (next) => async (work) => {
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    try {
      return await retryWhile(() => next(work), {
        when: (err) => dispositionOf(err) === "hold",
        signal: stopping,
        initialDelayMs: 200,
        maxDelayMs: 5_000,
        onRetry: (err) => {
          keepAlive ??= setInterval(() => work.forEach((d) => d.msg.working()), keepAliveMs);
          count("held", work.length);
          for (const d of work) spanOf(d.msg)?.addEvent("held", { error: errorMessage(err) });
          logger.warn("dependency unavailable; holding messages and retrying", {
            messages: work.length,
            error: errorMessage(err),
          });
        },
      });
    } finally {
      clearInterval(keepAlive);
    }
  };
}
