/**
 * Values from a schema: plausible ones (most of them valid, so writes get accepted and their
 * events travel), and hostile ones that the schema says must be refused, each with the reason.
 */
import fc from "fast-check";
import type { Schema } from "./openapi.ts";

/** Text for a URL: percent-encoded already (hostile values carry raw escapes like `%FF`). */
export type Encoded = string;

/** A value the operation must refuse, and why. */
export interface Hostile<T> {
  value: T;
  why: string;
}

const SMALL_IDS = fc.integer({ min: 1, max: 12 });

function integerRange(schema: Schema): { min: number; max: number } {
  let min = schema.minimum ?? -1_000_000;
  if (schema.exclusiveMinimum) min += 1;
  let max = Math.min(schema.maximum ?? 1_000_000_000, Number.MAX_SAFE_INTEGER);
  if (schema.exclusiveMaximum) max -= 1;
  return { min, max };
}

function integer(schema: Schema): fc.Arbitrary<number> {
  const { min, max } = integerRange(schema);
  return fc.oneof(
    { arbitrary: SMALL_IDS.filter((n) => n >= min && n <= max), weight: 3 },
    { arbitrary: fc.integer({ min, max }), weight: 1 },
  );
}

/** Text of any kind (scripts, emoji, combining marks, spaces; well-formed), short or long. */
function text(min: number, max: number): fc.Arbitrary<string> {
  const length = { minLength: min, maxLength: Math.max(min, max) };
  return fc.oneof(
    fc.string({ unit: "grapheme", ...length }),
    fc.string({ unit: "grapheme", ...length, size: "max" }),
  ).map((s) => s.slice(0, max).toWellFormed()).filter((s) => s.length >= min);
}

function string(schema: Schema): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
  if (schema.format === "uuid") return fc.uuid();
  if (schema.format === "date-time") {
    return fc.date({
      min: new Date("2020-01-01"),
      max: new Date("2035-01-01"),
      noInvalidDate: true,
    })
      .map((d) => d.toISOString());
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const example = typeof schema.example === "string" ? schema.example : undefined;
  // A digits-only example (a phone, an amount's digits) is a shape: vary it, keep the shape.
  const shaped = example && /^\d+$/.test(example)
    ? fc.stringMatching(new RegExp(`^${example[0]}\\d{${example.length - 1}}$`))
    : undefined;
  const free = text(schema.minLength ?? 0, Math.min(schema.maxLength ?? 300, 300));
  return fc.oneof(
    ...(example ? [fc.constant(example)] : []),
    ...(shaped ? [shaped] : []),
    free,
  );
}

/** A plausible JSON value for the schema (valid when the schema says all there is to say). */
export function plausible(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((s) => plausible(s, depth)));
  const value = plain(schema, depth);
  return schema.nullable ? fc.option(value, { nil: null }) : value;
}

function plain(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case "integer":
      return integer(schema);
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "string":
      return string(schema);
    case "array":
      return fc.array(plausible(schema.items ?? {}, depth + 1), {
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case "object": {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      return fc.record(
        Object.fromEntries(Object.entries(props).map(([k, s]) => [k, plausible(s, depth + 1)])),
        { requiredKeys: Object.keys(props).filter((k) => required.has(k)) },
      );
    }
    default:
      return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 1 });
  }
}

/** A plausible value as it goes in a path or query: percent-encoded. */
export function plausibleParam(schema: Schema): fc.Arbitrary<Encoded> {
  return plausible(schema).map((v) => encodeURIComponent(String(v)));
}

/** Text that no store takes: NUL and lone surrogates (in JSON), as text. */
export const UNSTORABLE_TEXT: Hostile<string>[] = [
  { value: "\u0000", why: "a NUL character" },
  { value: "Ada\u0000Lovelace", why: "a NUL character inside" },
  { value: "\ud800", why: "a lone high surrogate" },
  { value: "x\udc00y", why: "a lone low surrogate" },
];

/** URL text that does not decode to storable text. */
const UNDECODABLE: Hostile<Encoded>[] = [
  { value: "%00", why: "an encoded NUL" },
  { value: "a%00b", why: "an encoded NUL inside" },
  { value: "%FF", why: "an encoded byte that is not UTF-8" },
  { value: "%C0%80", why: "an overlong UTF-8 NUL" },
  { value: "%ED%A0%80", why: "an encoded UTF-16 surrogate" },
];

/** How a whole number goes wrong in a URL: out of range, or not written canonically. */
function badIntegers(schema: Schema, inQuery: boolean): Hostile<Encoded>[] {
  const { min, max } = integerRange(schema);
  const out: Hostile<Encoded>[] = [
    { value: String(max + 1), why: `above the maximum ${max}` },
    { value: "9223372036854775808", why: "beyond any integer column" },
    { value: "99999999999999999999999999", why: "beyond any integer column" },
    { value: "-1", why: "negative" },
    { value: "%2B1", why: "a plus sign (non-canonical)" },
    { value: "01", why: "a leading zero (non-canonical)" },
    { value: "%201%20", why: "spaces around it (non-canonical)" },
    { value: "1.0", why: "a fraction (non-canonical)" },
    { value: "1e0", why: "an exponent (non-canonical)" },
    { value: "0x1", why: "hexadecimal (non-canonical)" },
    { value: "%EF%BC%91", why: "a full-width digit" },
    { value: "1%00", why: "an encoded NUL after it" },
  ];
  if (min > 0) out.push({ value: String(min - 1), why: `below the minimum ${min}` });
  if (inQuery) out.push({ value: "", why: "empty" });
  return out;
}

/** Values of a path or query parameter that its schema refuses. */
export function hostileParams(schema: Schema, inQuery: boolean): Hostile<Encoded>[] {
  if (schema.type === "integer") return badIntegers(schema, inQuery);
  const out = [...UNDECODABLE];
  if (schema.enum) out.push({ value: "no-such-value", why: "not one of the enum's values" });
  if (schema.format === "uuid") out.push({ value: "not-a-uuid", why: "not a UUID" });
  if (schema.format === "date-time") out.push({ value: "yesterday", why: "not a date-time" });
  if (schema.pattern) out.push({ value: "%21%21", why: `not matching ${schema.pattern}` });
  if (schema.maxLength !== undefined) {
    out.push({ value: "a".repeat(schema.maxLength + 1), why: `longer than ${schema.maxLength}` });
  }
  return out;
}

/** JSON values a body property's schema refuses (besides unstorable text). */
export function hostileJson(schema: Schema): Hostile<unknown>[] {
  const out: Hostile<unknown>[] = [];
  if (schema.type === "string" || schema.type === "integer" || schema.type === "number") {
    out.push({ value: true, why: `a boolean where ${schema.type} is expected` });
  }
  if (schema.type === "object" || schema.type === "array") {
    out.push({ value: "text", why: `a string where ${schema.type} is expected` });
  }
  if (schema.type === "integer") {
    const { min, max } = integerRange(schema);
    out.push({ value: 1.5, why: "not a whole number" });
    if (schema.maximum !== undefined) out.push({ value: max + 1, why: `above ${max}` });
    if (schema.minimum !== undefined) out.push({ value: min - 1, why: `below ${min}` });
  }
  if (schema.type === "string" && schema.maxLength !== undefined) {
    out.push({ value: "a".repeat(schema.maxLength + 1), why: `longer than ${schema.maxLength}` });
  }
  if (schema.type === "string" && schema.enum) {
    out.push({ value: "no-such-value", why: "not one of the enum's values" });
  }
  return out;
}
