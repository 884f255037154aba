/**
 * Retries, timeouts and circuit breakers, from cockatiel; and `retryWhile`, the one way to wait
 * out a dependency that is down. No hand-rolled retry loops elsewhere.
 */
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  type IBackoff,
  type IPolicy,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from "cockatiel";

export {
  BrokenCircuitError,
  CircuitState,
  isBrokenCircuitError,
  isTaskCancelledError,
  TaskCancelledError,
} from "cockatiel";
export type { CircuitBreakerPolicy, IPolicy } from "cockatiel";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  threshold?: number;
  /** How long it stays open before one trial call. */
  halfOpenAfterMs?: number;
  /** Which errors count as failures (all by default). */
  isFailure?: (err: unknown) => boolean;
}

export function breaker(options: BreakerOptions = {}) {
  return circuitBreaker(options.isFailure ? handleWhen(options.isFailure) : handleAll, {
    halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
    breaker: new ConsecutiveBreaker(options.threshold ?? 5),
  });
}

export interface RetryOptions {
  attempts: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  isRetryable?: (err: unknown) => boolean;
}

export function retries(options: RetryOptions) {
  return retry(options.isRetryable ? handleWhen(options.isRetryable) : handleAll, {
    maxAttempts: options.attempts,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? 100,
      maxDelay: options.maxDelayMs ?? 2_000,
    }),
  });
}

/** Aborts the call (through its AbortSignal) after `ms`. */
export function deadline(ms: number) {
  return timeout(ms, TimeoutStrategy.Aggressive);
}

/** Policies applied outermost first: `combine(retry, breaker, timeout)`. */
export function combine(...policies: IPolicy[]): IPolicy {
  return wrap(...policies);
}

export interface RetryWhileOptions {
  /** The errors worth waiting out; any other is thrown at once. */
  when: (err: unknown) => boolean;
  /** Ends the waiting: the last error is thrown. */
  signal: AbortSignal;
  /** The delays between tries grow (with jitter) from about `initialDelayMs` to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called for each failure that will be retried (logs, metrics). */
  onRetry?: (err: unknown) => void;
}

/**
 * Calls `work` until it succeeds, again and again while it fails with an error `when` accepts,
 * until `signal` aborts. The first retry goes at once (a dropped connection is often replaced
 * by then), the next ones after growing delays. The happy path is one plain call.
 */
export async function retryWhile<R>(
  work: () => Promise<R>,
  options: RetryWhileOptions,
): Promise<R> {
  const { when, signal, onRetry } = options;
  let delay: IBackoff<unknown> | undefined;
  while (true) {
    try {
      return await work();
    } catch (err) {
      if (!when(err) || signal.aborted) throw err;
      onRetry?.(err);
      if (delay) await pause(delay.duration, signal);
      if (signal.aborted) throw err;
      delay = delay?.next(err) ??
        new ExponentialBackoff({
          initialDelay: options.initialDelayMs,
          maxDelay: options.maxDelayMs,
        }).next();
    }
  }
}

/** Sleeps `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
