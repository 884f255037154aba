/**
 * Routers whose validation failures keep the original API's `error` member next to the
 * problem document, so clients of the Go services that read `error` keep working.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type AppEnv,
  issuesFromZod,
  problemResponse,
  toProblem,
  ValidationError,
} from "@flotilla/backbone";

/** The problem document as the original API documents it: with its `error` member. */
export const compatProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  error: z.string().optional(),
}).openapi("Problem");

/** `content` of a problem+json response of these routers. */
export const compatProblemContent = {
  "application/problem+json": { schema: compatProblemSchema },
};

const targetNames: Record<string, string> = {
  json: "body",
  query: "query",
  param: "path",
  header: "header",
};

export function compatHook(
  result: { success: boolean; target: string; error?: unknown },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const where = targetNames[result.target] ?? result.target;
  const issues = issuesFromZod(result.error as Parameters<typeof issuesFromZod>[0]).map((i) => ({
    path: i.path === "" ? where : i.path,
    message: i.message,
    in: where,
  }));
  return problemResponse(toProblem(compatValidation("Invalid request", issues), c.req.path));
}

/** A ValidationError that also carries the original API's `error` text. */
export function compatValidation(
  context: string,
  issues: { path: string; message: string; in?: string }[],
): ValidationError {
  const err = ValidationError.of(context, issues);
  Object.assign(err.extensions, { error: issues[0]?.message ?? "invalid request" });
  return err;
}

export function createCompatRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: compatHook });
}
