/** Filters and keyset cursors of audit-log queries (newest first, by occurred_at then seq). */
import { ValidationError } from "@flotilla/backbone";

export interface AuditFilters {
  actor_id?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  service?: string;
  correlation_id?: string;
  /** Inclusive lower bound on occurred_at, RFC 3339. */
  from?: string;
  /** Exclusive upper bound on occurred_at, RFC 3339. */
  to?: string;
}

export const FILTER_KEYS = [
  "actor_id",
  "action",
  "target_type",
  "target_id",
  "service",
  "correlation_id",
  "from",
  "to",
] as const satisfies readonly (keyof AuditFilters)[];

/** The position after the last row of a page. */
export interface Cursor {
  occurred_at: string;
  seq: number;
}

export function encodeCursor(c: Cursor): string {
  const bytes = new TextEncoder().encode(`${c.occurred_at}|${c.seq}`);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

export function decodeCursor(text: string): Cursor {
  const invalid = () =>
    ValidationError.of("Invalid request", [{
      path: "cursor",
      message: `not a cursor returned by this API, got "${text.slice(0, 80)}"`,
    }]);
  let plain: string;
  try {
    plain = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    throw invalid();
  }
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(\d{1,15})$/.exec(plain);
  if (!match || Number.isNaN(Date.parse(match[1]))) throw invalid();
  return { occurred_at: match[1], seq: Number(match[2]) };
}

/** `from` must come before `to`. */
export function checkRange(filters: AuditFilters): void {
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    throw ValidationError.of("Invalid request", [{
      path: "to",
      message: `must be later than from (${filters.from}), got "${filters.to}"`,
    }]);
  }
}
