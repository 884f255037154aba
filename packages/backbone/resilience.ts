/** Retries, timeouts and circuit breakers, from cockatiel; no hand-rolled retry loops. */
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
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
