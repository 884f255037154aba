/**
 * The one place that decides what a failed message deserves:
 * - `retry`: nak with backoff; counts against the delivery limit;
 * - `hold`: a dependency (Postgres, NATS, an API) is down: keep the message, stop pulling and
 *   try again in place, without burning deliveries, until it is back;
 * - `dead_letter`: it can never succeed; park it with its reason.
 */
import { isFlotillaError } from "./errors.ts";

export type Disposition = "retry" | "hold" | "dead_letter";

const permanentKinds = new Set([
  "validation",
  "permanent",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "unauthorized",
  "forbidden",
]);

/** PostgreSQL SQLSTATE classes that no retry can fix: data exceptions and integrity violations. */
const permanentSqlStateClasses = new Set(["22", "23"]);
/** SQLSTATE classes meaning the server is going away or refusing connections. */
const unavailableSqlStateClasses = new Set(["08", "57"]);
/** Connection-level failures from the Postgres client and the OS. */
const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

export function dispositionOf(err: unknown): Disposition {
  if (isFlotillaError(err)) {
    if (err.kind === "unavailable") return "hold";
    return permanentKinds.has(err.kind) ? "dead_letter" : "retry";
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (unavailableCodes.has(code)) return "hold";
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const cls = code.slice(0, 2);
      if (permanentSqlStateClasses.has(cls)) return "dead_letter";
      if (unavailableSqlStateClasses.has(cls)) return "hold";
      return "retry";
    }
  }
  // A payload that does not parse will not parse on the next delivery either.
  if (err instanceof SyntaxError) return "dead_letter";
  return "retry";
}
