/**
 * Routers with the shared input policy and validation hook: every route registered with
 * `router.openapi()` gets the policy (http/policy.ts) before its schemas, its JSON body is
 * required unless it says `required: false`, and a failing schema is a 400 naming each field.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { issuesFromZod } from "../errors.ts";
import { problemResponse, toProblem } from "../problem.ts";
import type { AppEnv } from "./app.ts";
import { type Compat, inputPolicy, invalidRequest, type PolicyRoute } from "./policy.ts";

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
  const err = invalidRequest(issues, options.compat);
  return problemResponse(toProblem(err, new URL(c.req.url).pathname));
}

export interface RouterOptions {
  /** The original API's members on every problem of this router's routes (see `Compat`). */
  compat?: Compat;
}

interface RouteShape {
  path: string;
  middleware?: MiddlewareHandler | MiddlewareHandler[];
  request?: Omit<PolicyRoute, "path">;
}

/** The route with the input policy first and its JSON body required unless it says otherwise. */
function withInputPolicy<R extends RouteShape>(route: R, compat: Compat | undefined): R {
  const body = route.request?.body;
  const own = route.middleware === undefined
    ? []
    : Array.isArray(route.middleware)
    ? route.middleware
    : [route.middleware];
  const required = body && body.required !== false;
  const request = body && route.request ? { ...route.request, body: { ...body, required } } : {};
  return {
    ...route,
    ...(body ? { request } : {}),
    middleware: [inputPolicy({ ...route.request, path: route.path }, compat), ...own],
  };
}

/** A router for one resource, with the shared input policy; mount it with `app.route()`. */
export function createRouter(options: RouterOptions = {}): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => validationHook(result, c, options),
  });
  const register = router.openapi;
  router.openapi = (route, handler, hook) =>
    register(withInputPolicy(route, options.compat), handler, hook);
  return router;
}
