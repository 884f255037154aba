/**
 * Requests for one operation: a plausible request, then at most one change that makes it
 * malformed in a way its document says must be refused (`invalid` names it), or a change that
 * leaves it open (an extra member, a photo of any bytes).
 */
import fc from "fast-check";
import { MAX_BODY_BYTES } from "@flotilla/backbone";
import type { Operation, OperationBody, Parameter, Schema } from "./openapi.ts";
import {
  type Encoded,
  hostileJson,
  hostileParams,
  plausible,
  plausibleParam,
  UNSTORABLE_TEXT,
} from "./values.ts";

const encoder = new TextEncoder();

/** A body, with a long run of one byte kept apart so it prints short. */
export interface Body {
  head: Uint8Array;
  pad?: { byte: number; count: number };
  tail?: Uint8Array;
}

export interface FuzzRequest {
  op: string;
  method: string;
  /** Path and query, percent-encoded as sent. */
  target: string;
  headers: Record<string, string>;
  body?: Body;
  /** Why the request must be refused with a 4xx; undefined when any answer but 5xx is fine. */
  invalid?: string;
}

interface Parts {
  path: Record<string, Encoded>;
  query: [string, Encoded][];
  headers: Record<string, string>;
  /** The JSON value of the body; undefined sends none. */
  json?: unknown;
  /** Bytes that replace the JSON body. */
  raw?: Body;
  contentType?: string;
  invalid?: string;
}

type Change = (parts: Parts) => Parts;

const bytes = (text: string) => encoder.encode(text);

/** Puts `value` at `path` inside a copy of `root` (objects and arrays made as needed). */
export function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (typeof key === "number") {
    const list = Array.isArray(root) ? [...root] : [];
    list[key] = setAt(list[key], rest, value);
    return list;
  }
  const obj = root && typeof root === "object" && !Array.isArray(root)
    ? { ...root as Record<string, unknown> }
    : {};
  obj[key] = setAt(obj[key], rest, value);
  return obj;
}

function withoutKey(root: unknown, key: string): unknown {
  const copy = { ...(root as Record<string, unknown>) };
  delete copy[key];
  return copy;
}

/** Every place a value goes in a body of this schema: `[path, its schema]`. */
export function places(
  schema: Schema,
  path: (string | number)[] = [],
): [(string | number)[], Schema][] {
  const out: [(string | number)[], Schema][] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    out.push([[...path, key], s]);
    if (s.type === "object") out.push(...places(s, [...path, key]));
    if (s.type === "array" && s.items) {
      out.push([[...path, key, 0], s.items]);
      if (s.items.type === "object") out.push(...places(s.items, [...path, key, 0]));
    }
  }
  return out;
}

const change =
  (invalid: string | undefined, edit: (p: Parts) => Partial<Parts>): Change => (p) => ({
    ...p,
    ...edit(p),
    invalid,
  });

function paramChanges(op: Operation): fc.Arbitrary<Change>[] {
  return op.params.filter((p) => p.in !== "header").map((p) =>
    fc.constantFrom(...hostileParams(p.schema, p.in === "query")).map((h) =>
      change(
        `${p.in} parameter ${p.name}: ${h.why}`,
        (parts) =>
          p.in === "path"
            ? { path: { ...parts.path, [p.name]: h.value } }
            : { query: [...parts.query.filter(([n]) => n !== p.name), [p.name, h.value]] },
      )
    )
  );
}

const IDEMPOTENCY_KEYS = [
  { value: "k".repeat(256), why: "longer than 255 characters" },
  { value: "k".repeat(4096), why: "a few KB long" },
  { value: "has space", why: "a space inside" },
  { value: "caf\u00e9", why: "a character that is not ASCII" },
  { value: "tab\there", why: "a control character" },
];

function headerChanges(): fc.Arbitrary<Change> {
  return fc.constantFrom(...IDEMPOTENCY_KEYS).map((h) =>
    change(`Idempotency-Key: ${h.why}`, (parts) => ({
      headers: { ...parts.headers, "idempotency-key": h.value },
    }))
  );
}

function bodyChanges({ schema, required, maxBytes }: OperationBody) {
  const fields = places(schema);
  const textFields = fields.filter(([, s]) => s.type === "string");
  const changes: fc.Arbitrary<Change>[] = [
    fc.constant(change(required ? "no body where one is required" : undefined, () => ({
      json: undefined,
      contentType: undefined,
    }))),
    fc.constant(change("an empty body declared as JSON", () => ({ raw: { head: bytes("") } }))),
    fc.constantFrom("[]", "42", '"text"', "null", "true").map((text) =>
      change(`a JSON ${text} where an object is expected`, () => ({ raw: { head: bytes(text) } }))
    ),
    fc.integer({ min: 1, max: 20 }).map((cut) =>
      change("malformed JSON (cut short)", (p) => {
        const text = JSON.stringify(p.json ?? {});
        return { raw: { head: bytes(text.slice(0, Math.max(1, text.length - cut))) } };
      })
    ),
    fc.constant(change("invalid UTF-8 in the body", (p) => {
      const rest = JSON.stringify(p.json ?? {}).slice(1);
      const tail = bytes(`":0${rest === "}" ? "" : ","}${rest}`);
      return { raw: { head: new Uint8Array([...bytes('{"'), 0xff]), tail } };
    })),
    fc.constantFrom(...new Set([maxBytes ?? MAX_BODY_BYTES, MAX_BODY_BYTES])).map((limit) =>
      change(`a body over ${limit} bytes`, () => ({
        raw: { head: bytes('{"pad":"'), pad: { byte: 0x61, count: limit }, tail: bytes('"}') },
      }))
    ),
    fc.constant(change("a JSON body sent as text/plain", () => ({ contentType: "text/plain" }))),
    fc.constantFrom(...UNSTORABLE_TEXT).map((h) =>
      change(`${h.why} in a member name`, (p) => ({ json: setAt(p.json, [`k${h.value}`], 1) }))
    ),
    fc.jsonValue({ maxDepth: 1 }).map((value) =>
      change(undefined, (p) => ({ json: setAt(p.json, ["unexpected_member"], value) }))
    ),
  ];
  if (textFields.length > 0) {
    changes.push(
      fc.tuple(fc.constantFrom(...textFields), fc.constantFrom(...UNSTORABLE_TEXT)).map((
        [[path], h],
      ) =>
        change(`${h.why} in ${path.join(".")}`, (p) => ({ json: setAt(p.json, path, h.value) }))
      ),
    );
  }
  const typed = fields.flatMap(([path, s]) => hostileJson(s).map((h) => ({ path, h })));
  if (typed.length > 0) {
    changes.push(
      fc.constantFrom(...typed).map(({ path, h }) =>
        change(`${path.join(".")}: ${h.why}`, (p) => ({ json: setAt(p.json, path, h.value) }))
      ),
    );
  }
  for (const key of schema.required ?? []) {
    changes.push(
      fc.constant(
        change(`required member ${key} missing`, (p) => ({ json: withoutKey(p.json, key) })),
      ),
    );
  }
  return changes;
}

/** A photo-like body for operations that take bytes, not JSON. */
function bytesBody(): fc.Arbitrary<Change> {
  return fc.tuple(
    fc.uint8Array({ minLength: 0, maxLength: 2048 }),
    fc.constantFrom("image/png", "image/jpeg", "text/plain", "application/json"),
  ).map(([data, type]) => change(undefined, () => ({ raw: { head: data }, contentType: type })));
}

function plausibleParts(op: Operation): fc.Arbitrary<Parts> {
  const path = fc.record(Object.fromEntries(
    op.params.filter((p) => p.in === "path").map((p) => [p.name, plausibleParam(p.schema)]),
  ));
  const query = fc.tuple(
    ...op.params.filter((p) => p.in === "query").map((p: Parameter) =>
      fc.option(plausibleParam(p.schema).map((v) => [p.name, v] as [string, Encoded]), {
        nil: undefined,
      })
    ),
  ).map((pairs) => pairs.filter((x): x is [string, Encoded] => x !== undefined));
  const idempotencyKey = op.method === "POST"
    ? fc.option(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), { nil: undefined })
    : fc.constant(undefined);
  const json = op.body ? plausible(op.body.schema) : fc.constant(undefined);
  return fc.record({ path, query, key: idempotencyKey, json }).map((
    { path, query, key, json },
  ): Parts => ({
    path,
    query,
    headers: key === undefined ? {} : { "idempotency-key": key },
    json,
    contentType: op.body ? "application/json" : undefined,
  }));
}

function build(op: Operation, parts: Parts): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.path[name] ?? "1");
  const query = parts.query.map(([n, v]) => `${encodeURIComponent(n)}=${v}`).join("&");
  const headers = { ...parts.headers };
  if (parts.contentType) headers["content-type"] = parts.contentType;
  const body = parts.raw ??
    (parts.json === undefined ? undefined : { head: bytes(JSON.stringify(parts.json)) });
  if (!body) delete headers["content-type"];
  return {
    op: op.id,
    method: op.method,
    target: query ? `${path}?${query}` : path,
    headers,
    body,
    invalid: parts.invalid,
  };
}

/** Requests for `op`: about half plausible, the rest each broken in one named way. */
export function requestsFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const changes: fc.Arbitrary<Change>[] = [...paramChanges(op), headerChanges()];
  if (op.body) changes.push(...bodyChanges(op.body));
  else if (op.method === "PUT") changes.push(bytesBody());
  const broken = fc.oneof(...changes);
  const edit = fc.oneof(
    { arbitrary: fc.constant<Change>((p) => p), weight: changes.length },
    { arbitrary: broken, weight: changes.length },
  );
  return fc.tuple(plausibleParts(op), edit).map(([parts, apply]) => build(op, apply(parts)));
}
