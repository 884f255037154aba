/**
 * A circuit breaker in front of Postgres for request handlers: after a run of connection
 * failures it fails fast with 503 (UnavailableError) instead of queueing requests behind a
 * database that is down, and lets one trial call through after a pause. Business errors
 * (a constraint, a conflict) do not count as failures.
 */
import { dispositionOf } from "./disposition.ts";
import { UnavailableError } from "./errors.ts";
import type { Metrics } from "./metrics.ts";
import { breaker, isBrokenCircuitError } from "./resilience.ts";

export type PostgresGuard = <T>(work: () => Promise<T>) => Promise<T>;

export function postgresGuard(
  options: { threshold?: number; halfOpenAfterMs?: number; metrics?: Metrics } = {},
): PostgresGuard {
  const policy = breaker({
    threshold: options.threshold ?? 5,
    halfOpenAfterMs: options.halfOpenAfterMs ?? 2_000,
    isFailure: (err) => dispositionOf(err) === "hold",
  });
  options.metrics?.breaker("postgres", () => policy.state);
  return async (work) => {
    try {
      return await policy.execute(() => work());
    } catch (err) {
      if (isBrokenCircuitError(err)) {
        throw new UnavailableError("Postgres is unavailable (circuit open); retry later", {
          cause: err,
        });
      }
      if (dispositionOf(err) === "hold") {
        throw new UnavailableError("Postgres is unavailable; retry later", { cause: err });
      }
      throw err;
    }
  };
}
