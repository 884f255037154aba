/** Pieces both resource routers use: parameters and the routes both have. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  BIGINT_ID_MAX,
  decimalId,
  type JsonBody,
  jsonContent,
  offset,
  problemContent,
  queryInteger,
  requires,
} from "@flotilla/backbone";

/** Ids of clients and mailings are bigserial. */
export const idParam = z.object({
  id: decimalId({ max: BIGINT_ID_MAX }).openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

export const pageQuery = z.object({
  limit: queryInteger({ min: 1, max: 10_000, default: 100 }),
  offset: offset(),
});

/** `POST /`: a new one of the resource; 409 with `conflict` when given. */
export function createItemRoute<B extends z.ZodType, T extends z.ZodType>(
  summary: string,
  body: JsonBody<B>,
  item: T,
  conflict?: string,
) {
  return createRoute({
    method: "post",
    path: "/",
    ...requires("mailer:write"),
    summary,
    request: { body },
    responses: {
      201: { description: "Created", content: jsonContent(item) },
      400: { description: "Invalid request", content: problemContent },
      ...(conflict ? { 409: { description: conflict, content: problemContent } } : {}),
    },
  });
}

/** `PATCH /{id}`: the changed resource, 404, or 409 with `conflict`. */
export function changeRoute<B extends z.ZodType, T extends z.ZodType>(
  singular: string,
  summary: string,
  body: JsonBody<B>,
  item: T,
  conflict: string,
) {
  return createRoute({
    method: "patch",
    path: "/{id}",
    ...requires("mailer:write"),
    summary,
    request: { params: idParam, body },
    responses: {
      200: { description: `The ${singular}`, content: jsonContent(item) },
      400: { description: "Invalid request", content: problemContent },
      404: { description: `No such ${singular}`, content: problemContent },
      409: { description: conflict, content: problemContent },
    },
  });
}

/** `GET /`: a page of the resource, by id. */
export function pageRoute<T extends z.ZodType>(plural: string, item: T) {
  return createRoute({
    method: "get",
    path: "/",
    ...requires("mailer:read"),
    summary: `${plural[0].toUpperCase()}${plural.slice(1)}, by id`,
    request: { query: pageQuery },
    responses: {
      200: { description: `A page of ${plural}`, content: jsonContent(z.array(item)) },
    },
  });
}

/** `GET /{id}`: one of the resource, or 404. */
export function readRoute<T extends z.ZodType>(singular: string, item: T) {
  return createRoute({
    method: "get",
    path: "/{id}",
    ...requires("mailer:read"),
    summary: `One ${singular}`,
    request: { params: idParam },
    responses: {
      200: { description: `The ${singular}`, content: jsonContent(item) },
      404: { description: `No such ${singular}`, content: problemContent },
    },
  });
}

/** `DELETE /{id}`: 204, or 404. */
export function deleteRoute(singular: string, summary: string) {
  return createRoute({
    method: "delete",
    path: "/{id}",
    ...requires("mailer:write"),
    summary,
    request: { params: idParam },
    responses: {
      204: { description: "Deleted" },
      404: { description: `No such ${singular}`, content: problemContent },
    },
  });
}
