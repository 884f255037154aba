/** The one place that maps errors to RFC 9457 problem documents. */
import {
  type FieldIssue,
  ForbiddenError,
  isFlotillaError,
  type RateLimitedError,
  UnauthorizedError,
} from "./errors.ts";

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const byKind: Record<string, { status: number; title: string }> = {
  validation: { status: 400, title: "Invalid request" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Conflict" },
  permanent: { status: 422, title: "Unprocessable request" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  rate_limited: { status: 429, title: "Too many requests" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  unavailable: { status: 503, title: "Service unavailable" },
  timeout: { status: 504, title: "Upstream timeout" },
};

/** Builds the problem document for any thrown value; unknown errors leak no detail. */
export function toProblem(err: unknown, instance?: string): ProblemDocument {
  if (isFlotillaError(err)) {
    const { status, title } = byKind[err.kind] ?? { status: 500, title: "Internal error" };
    const doc: ProblemDocument = {
      type: `https://flotilla.dev/problems/${err.kind.replaceAll("_", "-")}`,
      title,
      status,
      detail: err.message,
      ...err.extensions,
    };
    if (instance) doc.instance = instance;
    if ("issues" in err && Array.isArray(err.issues) && err.issues.length > 0) {
      doc.errors = err.issues as FieldIssue[];
    }
    return doc;
  }
  return problem(500, "Internal error", "The server failed to handle the request", instance);
}

export function problem(
  status: number,
  title: string,
  detail: string,
  instance?: string,
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  const doc: ProblemDocument = {
    type: status >= 500 ? "about:blank" : `https://flotilla.dev/problems/${status}`,
    title,
    status,
    detail,
    ...extensions,
  };
  if (instance) doc.instance = instance;
  return doc;
}

export function problemResponse(doc: ProblemDocument, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(doc), { status: doc.status, headers: h });
}

/** Extra response headers a kind implies (Retry-After on 429, the challenge on 401 and 403). */
export function problemHeaders(err: unknown): Record<string, string> {
  if (isFlotillaError(err) && err.kind === "rate_limited") {
    return { "retry-after": String((err as RateLimitedError).retryAfterSeconds) };
  }
  if (err instanceof UnauthorizedError) return { "www-authenticate": err.challenge };
  if (err instanceof ForbiddenError && err.scope) {
    return {
      "www-authenticate":
        `Bearer realm="flotilla", error="insufficient_scope", scope="${err.scope}"`,
    };
  }
  return {};
}
