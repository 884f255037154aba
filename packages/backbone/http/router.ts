/** Routers with the shared validation hook: a failing request schema is a 400 naming each field. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { issuesFromZod, ValidationError } from "../errors.ts";
import { problemResponse, toProblem } from "../problem.ts";
import type { AppEnv } from "./app.ts";

const targetNames: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/** Validation failures of request schemas become 400 problem+json naming each field. */
export function validationHook(
  result: { success: boolean; target: string; error?: unknown },
  c: Context,
  options: RouterOptions = {},
): Response | undefined {
  if (result.success) return undefined;
  const where = targetNames[result.target] ?? result.target;
  const issues = issuesFromZod(result.error as Parameters<typeof issuesFromZod>[0]).map((i) => ({
    path: i.path === "" ? where : i.path,
    message: i.message,
    in: where,
  }));
  const err = ValidationError.of("Invalid request", issues);
  if (options.compat === "error") err.extensions.error = issues[0]?.message ?? "invalid request";
  return problemResponse(toProblem(err, new URL(c.req.url).pathname));
}

export interface RouterOptions {
  /**
   * `"error"`: validation problems also carry the original API's `error` member (the first
   * failing field's message), for clients of the services Flotilla replaced.
   */
  compat?: "error";
}

/** A router for one resource, with the shared validation hook; mount it with `app.route()`. */
export function createRouter(options: RouterOptions = {}): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => validationHook(result, c, options),
  });
}
