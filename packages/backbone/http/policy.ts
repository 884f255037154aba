/**
 * The input policy every route of every service gets from `createRouter`, before its schemas
 * run: the URL is valid percent-encoded UTF-8 without NUL, `Idempotency-Key` is bounded, and a
 * declared JSON body is present, within its limit, valid UTF-8, valid JSON, and holds no text a
 * store would refuse. Failures are 400 (413 for size) problem+json naming the field; the
 * router's compat option adds the original APIs' members.
 */
import type { Context, MiddlewareHandler } from "hono";
import { type FlotillaError, isFlotillaError, issuesFromZod, ValidationError } from "../errors.ts";
import { findUnsafeText, unsafeTextReason } from "../text.ts";
import { bodyLimitOf, readBody } from "./body.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "./input.ts";

/**
 * `"error"`: problems also carry the original API's `error` member (the first failing field's
 * message). `"result"`: they carry `result: false` and `error` (the detail), as the CQRS
 * listings gateway answered.
 */
export type Compat = "error" | "result";

export interface InputIssue {
  path: string;
  message: string;
  in: string;
}

/** Adds the compat members to an error bound for a problem document. */
export function withCompat<E extends FlotillaError>(err: E, compat: Compat | undefined): E {
  if (compat === "error") {
    const first = err instanceof ValidationError ? err.issues[0]?.message : undefined;
    err.extensions.error = first ?? err.message;
  } else if (compat === "result") {
    err.extensions.result = false;
    err.extensions.error = err.message;
  }
  return err;
}

export function invalidRequest(issues: InputIssue[], compat?: Compat): ValidationError {
  return withCompat(ValidationError.of("Invalid request", issues), compat);
}

function decoded(raw: string): { text: string } | { problem: string } {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return { problem: "is not valid percent-encoded UTF-8" };
  }
  const reason = unsafeTextReason(text);
  return reason ? { problem: reason } : { text };
}

/** Problems in the raw URL: each path segment and query parameter must decode to safe text. */
function urlIssues(url: string, routePath: string): InputIssue[] {
  // Without a percent sign nothing decodes to NUL or fails to decode.
  if (!url.includes("%")) return [];
  const issues: InputIssue[] = [];
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const queryAt = url.indexOf("?", start);
  const path = url.slice(start, queryAt === -1 ? undefined : queryAt);
  const names = routePath.split("/").map((s) => /^\{(.+)\}$/.exec(s)?.[1] ?? "path");
  const segments = path.split("/");
  segments.forEach((segment, i) => {
    if (!segment.includes("%")) return;
    const result = decoded(segment);
    // The route's segments are the last ones of the path (a router is mounted under a prefix).
    const name = names[names.length - (segments.length - i)] ?? "path";
    if ("problem" in result) issues.push({ path: name, message: result.problem, in: "path" });
  });
  if (queryAt === -1) return issues;
  for (const pair of url.slice(queryAt + 1).split("&")) {
    if (!pair.includes("%")) continue;
    const eq = pair.indexOf("=");
    const rawName = (eq === -1 ? pair : pair.slice(0, eq)).replaceAll("+", " ");
    const name = decoded(rawName);
    const where = "text" in name ? name.text : "query";
    if ("problem" in name) {
      issues.push({ path: where, message: `name ${name.problem}`, in: "query" });
    }
    if (eq === -1) continue;
    const value = decoded(pair.slice(eq + 1).replaceAll("+", " "));
    if ("problem" in value) issues.push({ path: where, message: value.problem, in: "query" });
  }
  return issues;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Problems of a declared JSON body (reads it; throws 413 past the limit). */
async function bodyIssues(
  c: Context,
  body: { required?: boolean },
  limit: number,
): Promise<InputIssue[]> {
  const bytes = await readBody(c, limit);
  const type = c.req.header("content-type");
  const at = (message: string, path = "body") => [{ path, message, in: "body" }];
  if (bytes.length === 0) {
    if (body.required !== false) return at("is required: send a JSON document");
    return type ? at("is empty: send a JSON document, or no Content-Type") : [];
  }
  // Not JSON at all: the media type check that follows answers 415.
  if (!type || !JSON_TYPE.test(type.split(";")[0].trim())) return [];
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return at("is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return at(`is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const spot = findUnsafeText(value);
  return spot ? at(spot.message, spot.path || "body") : [];
}

interface Schema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
  };
}

/** The route as the policy sees it: its path as declared, and its request's parts. */
export interface PolicyRoute {
  path: string;
  params?: Schema;
  query?: Schema;
  body?: { required?: boolean; content?: object };
}

/**
 * What the route's own path and query schemas say, for a request refused already: one answer
 * names every field at fault (a bad id and a missing body), each once.
 */
function schemaIssues(c: Context, route: PolicyRoute, known: InputIssue[]): InputIssue[] {
  const named = new Set(known.map((i) => i.path));
  const out: InputIssue[] = [];
  const check = (schema: Schema | undefined, value: unknown, where: string) => {
    const result = schema?.safeParse(value);
    if (!result || result.success || !result.error) return;
    for (const issue of issuesFromZod(result.error)) {
      const path = issue.path || where;
      if (!named.has(path)) out.push({ path, message: issue.message, in: where });
    }
  };
  check(route.params, c.req.param(), "path");
  const query = Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]);
  check(route.query, Object.fromEntries(query), "query");
  return out;
}

/** The policy of one route (see PolicyRoute). */
export function inputPolicy(route: PolicyRoute, compat?: Compat): MiddlewareHandler {
  const body = route.body;
  const json = body?.content !== undefined && "application/json" in body.content;
  const limit = body ? bodyLimitOf(body) : 0;
  return async function inputPolicy(c, next) {
    const issues = urlIssues(c.req.url, route.path);
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      issues.push({
        path: "Idempotency-Key",
        message: "must be 1 to 255 visible ASCII characters",
        in: "header",
      });
    }
    try {
      if (json && body) issues.push(...await bodyIssues(c, body, limit));
    } catch (err) {
      throw isFlotillaError(err) ? withCompat(err, compat) : err;
    }
    if (issues.length > 0) {
      throw invalidRequest([...schemaIssues(c, route, issues), ...issues], compat);
    }
    await next();
  };
}
