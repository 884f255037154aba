/**
 * Request bodies: read once, never more than a limit, kept as the bytes that arrived (so the
 * JSON check can refuse invalid UTF-8 instead of reading U+FFFD). A route declares its JSON
 * body with `jsonBody(schema)`: required, at most DEFAULT_BODY_BYTES unless it says otherwise.
 */
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PayloadTooLargeError } from "../errors.ts";
import { jsonContent } from "./openapi.ts";

/** The most any JSON route may take (what `readBody` reads at most by default). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A JSON route's limit unless it declares its own. */
export const DEFAULT_BODY_BYTES = 64 * 1024;

const bodies = new WeakMap<Request, Uint8Array<ArrayBuffer>>();
/** The OpenAPI extension of a request body that states its limit in bytes. */
const MAX_BYTES_EXTENSION = "x-max-bytes";

export function payloadTooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${limit} bytes`);
}

/**
 * The request's body, read at most once and at most `limit` bytes (413 beyond, refused on its
 * Content-Length before reading when it declares one). Hono's readers (`c.req.json()`) read the
 * same bytes afterwards.
 */
export async function readBody(
  c: Context,
  limit = MAX_BODY_BYTES,
): Promise<Uint8Array<ArrayBuffer>> {
  const raw = c.req.raw;
  const known = bodies.get(raw);
  if (known) {
    if (known.length > limit) throw payloadTooLarge(limit);
    return known;
  }
  if (raw.bodyUsed) throw new Error("readBody: the body was already read another way");
  let bytes = new Uint8Array(0);
  if (raw.body) {
    const declared = raw.headers.get("content-length");
    if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw payloadTooLarge(limit);
      }
      chunks.push(value);
    }
    bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    // Hono's readers take the body from its cache once the stream is spent (it stores promises).
    (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer);
  }
  bodies.set(raw, bytes);
  return bytes;
}

/**
 * A route's JSON request body: required (an absent body is a 400 naming `body`) unless
 * `required: false`, at most `maxBytes` (DEFAULT_BODY_BYTES; MAX_BODY_BYTES at most), stated in
 * the OpenAPI document as `x-max-bytes`.
 */
export function jsonBody<T extends z.ZodType>(
  schema: T,
  options: { maxBytes?: number; required?: boolean; description?: string } = {},
) {
  const maxBytes = options.maxBytes ?? DEFAULT_BODY_BYTES;
  if (maxBytes > MAX_BODY_BYTES) {
    throw new Error(`jsonBody: ${maxBytes} bytes is over MAX_BODY_BYTES (${MAX_BODY_BYTES})`);
  }
  return {
    required: options.required ?? true,
    description: options.description ?? `JSON, at most ${maxBytes} bytes`,
    content: jsonContent(schema),
    [MAX_BYTES_EXTENSION]: maxBytes,
  };
}

/** What `jsonBody` returns: a route's `request.body`. */
export type JsonBody<T extends z.ZodType> = ReturnType<typeof jsonBody<T>>;

/** The limit a route declared with `jsonBody`, or the default. */
export function bodyLimitOf(body: object): number {
  const declared = (body as Record<string, unknown>)[MAX_BYTES_EXTENSION];
  return typeof declared === "number" ? declared : DEFAULT_BODY_BYTES;
}
