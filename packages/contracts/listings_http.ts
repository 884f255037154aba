/**
 * The HTTP contract of the CQRS listings family (users, listings, listing-view), kept from the
 * services they replaced and relied on by the gateway's public API: a success is
 * `{ result: true, <name>: ... }`; a failure is a problem document that also carries
 * `result: false, error`; ids are `integer` columns, positive in the path; pages are `page_num`
 * (from 1) and `page_size` (1 to 100, 10 by default).
 */
import { z } from "@hono/zod-openapi";
import {
  decimalId,
  jsonContent,
  NotFoundError,
  pageNumber,
  queryInteger,
  safeText,
} from "@flotilla/backbone";

export const idParamSchema = z.object({
  id: decimalId().openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

/** The paging members of a list query; spread them into the query's object schema. */
export const pageQueryShape = {
  page_num: pageNumber().openapi({ example: 1 }),
  page_size: queryInteger({ min: 1, max: 100, default: 10 }).openapi({ example: 10 }),
};

/** A user's name: trimmed; blank, longer than 200 characters or not storable is refused. */
export const userNameSchema = safeText({ min: 1, max: 200, trim: true })
  .openapi({ example: "Ada Lovelace" });

/** `{ result: true, <name>: <schema> }`. */
export function resultSchema<K extends string, S extends z.ZodType>(name: K, schema: S) {
  return z.object({ result: z.literal(true) }).extend({ [name]: schema } as Record<K, S>);
}

/** An OpenAPI response entry whose body is `{ result: true, <name>: <schema> }`. */
export function resultResponse<K extends string, S extends z.ZodType>(
  description: string,
  name: K,
  schema: S,
) {
  return { description, content: jsonContent(resultSchema(name, schema)) };
}

/** A 404 whose problem document also says `result: false, error: <message>`. */
export function resultNotFound(message: string): NotFoundError {
  return new NotFoundError(message, { extensions: { result: false, error: message } });
}
