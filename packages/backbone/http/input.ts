/**
 * The fleet's input rules as zod builders, for request schemas (path, query, body) and the
 * catalog's event schemas alike: ids and counts are canonical decimal within the column's
 * range, text is storable (no NUL, no lone surrogate) and bounded, pages and offsets are
 * bounded. A service writes `decimalId()`, `queryInteger(...)`, `safeText(...)`; never
 * `z.coerce.number()` (it takes `0x33`, `+1`, `" 51 "`, `99e0`) or a bare `z.string()`.
 */
import { z } from "@hono/zod-openapi";
import { findUnsafeText, unsafeTextReason } from "../text.ts";

/** The largest value of a Postgres `integer` column (the id of users, listings). */
export const INT4_MAX = 2_147_483_647;
/** The largest id of a `bigint` column that a JSON number carries exactly. */
export const BIGINT_ID_MAX = Number.MAX_SAFE_INTEGER;
/** How far `page_num` goes (with pages of up to 100, offsets stay within MAX_OFFSET). */
export const MAX_PAGE_NUMBER = 100_000;
/** How many rows an offset may skip: deeper than this, page by cursor. */
export const MAX_OFFSET = 10_000_000;
/** `Idempotency-Key`: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

interface IntegerOptions {
  min: number;
  max: number;
  /** The message of every failure (an original API's words); a precise one by default. */
  message?: string;
}

function rangeMessage({ min, max }: IntegerOptions): string {
  return `must be a whole number from ${min} to ${max} in plain decimal digits`;
}

/**
 * A whole number written in canonical decimal (no sign, no leading zero, no spaces, no
 * exponent, no fraction) within [min, max], as path and query parameters carry it; parsed to a
 * number. The OpenAPI document says `integer` with its bounds.
 */
export function decimalInteger(options: IntegerOptions) {
  const message = options.message ?? rangeMessage(options);
  const digits = String(options.max).length;
  return z.string({ error: message })
    .refine((v) => v.length <= digits && DECIMAL.test(v), { message, abort: true })
    .transform(Number)
    .refine((n) => n >= options.min && n <= options.max, { message })
    .openapi({
      type: "integer",
      format: options.max > INT4_MAX ? "int64" : "int32",
      minimum: options.min,
      maximum: options.max,
    });
}

/** A positive id in the path or query: `integer` ids by default, `BIGINT_ID_MAX` for bigint. */
export function decimalId(options: { max?: number; message?: string } = {}) {
  return decimalInteger({ min: 1, max: options.max ?? INT4_MAX, message: options.message });
}

/** A positive id in a JSON body (a number), within the column's range. */
export function idNumber(options: { max?: number; message?: string } = {}) {
  const max = options.max ?? INT4_MAX;
  const message = options.message ?? `must be a whole number from 1 to ${max}`;
  return z.number({ error: message }).int(message).min(1, message).max(max, message)
    .openapi({ format: max > INT4_MAX ? "int64" : "int32" });
}

/** A bounded count in the query (a limit, an offset, a page number) with a default. */
export function queryInteger(options: IntegerOptions & { default: number }) {
  return decimalInteger(options).optional().transform((v) => v ?? options.default)
    .openapi({ default: options.default });
}

/** `page_num` from 1. */
export const pageNumber = () => queryInteger({ min: 1, max: MAX_PAGE_NUMBER, default: 1 });
/** An `offset` from 0. */
export const offset = () => queryInteger({ min: 0, max: MAX_OFFSET, default: 0 });

/** A string every store can hold (no NUL, no lone surrogate); bound it with `.max()`. */
export function storableText() {
  return z.string().superRefine((value, ctx) => {
    const reason = unsafeTextReason(value);
    if (reason) ctx.addIssue({ code: "custom", message: reason, abort: true });
  });
}

/**
 * Text that every store can hold: no NUL, no lone surrogate, at most `max` UTF-16 units (and
 * at least `min`, after trimming when `trim` is set). For bodies, queries, paths and events.
 */
export function safeText(options: { max: number; min?: number; trim?: boolean }) {
  let text = storableText();
  if (options.trim) text = text.trim();
  if (options.min) {
    text = text.min(options.min, options.min === 1 ? "must not be blank" : undefined);
  }
  return text.max(options.max);
}

/** A JSON object whose every string and key is storable (audit changes, metadata). */
export function storableRecord() {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const spot = findUnsafeText(value);
    if (spot) {
      ctx.addIssue({ code: "custom", message: spot.message, path: spot.path.split(".") });
    }
  });
}
