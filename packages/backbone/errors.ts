/**
 * Typed errors: a small set of kinds. `problem.ts` maps them to HTTP problem documents and
 * `disposition.ts` maps them to retry-or-dead-letter; nothing else inspects error kinds.
 */

export type ErrorKind =
  | "validation"
  | "not_found"
  | "conflict"
  | "unavailable"
  | "permanent"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "timeout"
  | "unauthorized"
  | "forbidden";

/** One failing field: `path` is dotted (`payment.amount`, `items.0.price`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class FlotillaError extends Error {
  abstract readonly kind: ErrorKind;
  /** Extra members for the problem document (the original APIs' `error`, for example). */
  readonly extensions: Record<string, unknown>;
  constructor(
    message: string,
    options?: { cause?: unknown; extensions?: Record<string, unknown> },
  ) {
    super(message, { cause: options?.cause });
    this.extensions = options?.extensions ?? {};
  }
}

export class ValidationError extends FlotillaError {
  override readonly name = "ValidationError";
  readonly kind = "validation";
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }
  /** `Cannot X: field: message; field: message` from a list of issues. */
  static of(context: string, issues: FieldIssue[]): ValidationError {
    const detail = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    return new ValidationError(`${context}: ${detail}`, issues);
  }
}

export class NotFoundError extends FlotillaError {
  override readonly name = "NotFoundError";
  readonly kind = "not_found";
}

export class ConflictError extends FlotillaError {
  override readonly name = "ConflictError";
  readonly kind = "conflict";
}

/** A dependency (NATS, Postgres, an upstream API) cannot be reached now; retrying may help. */
export class UnavailableError extends FlotillaError {
  override readonly name = "UnavailableError";
  readonly kind = "unavailable";
}

export class TimeoutError extends FlotillaError {
  override readonly name = "TimeoutError";
  readonly kind = "timeout";
}

/** A message or request that can never succeed (a broken business rule); never retried. */
export class PermanentError extends FlotillaError {
  override readonly name = "PermanentError";
  readonly kind = "permanent";
}

export class PayloadTooLargeError extends FlotillaError {
  override readonly name = "PayloadTooLargeError";
  readonly kind = "payload_too_large";
}

export class UnsupportedMediaTypeError extends FlotillaError {
  override readonly name = "UnsupportedMediaTypeError";
  readonly kind = "unsupported_media_type";
}

export class RateLimitedError extends FlotillaError {
  override readonly name = "RateLimitedError";
  readonly kind = "rate_limited";
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** No credential, or one that is not valid: 401 with a `WWW-Authenticate` challenge. */
export class UnauthorizedError extends FlotillaError {
  override readonly name = "UnauthorizedError";
  readonly kind = "unauthorized";
  /** The `WWW-Authenticate` value (RFC 6750). */
  readonly challenge: string;
  constructor(message: string, challenge = 'Bearer realm="flotilla"') {
    super(message);
    this.challenge = challenge;
  }
}

/** A valid credential that may not do this: 403; `scope` names what it lacks, if a scope. */
export class ForbiddenError extends FlotillaError {
  override readonly name = "ForbiddenError";
  readonly kind = "forbidden";
  constructor(message: string, readonly scope?: string) {
    super(message, scope ? { extensions: { required_scope: scope } } : undefined);
  }
}

export function isFlotillaError(err: unknown): err is FlotillaError {
  return err instanceof FlotillaError;
}
export function isValidationError(err: unknown): err is ValidationError {
  return err instanceof ValidationError;
}
export function isNotFoundError(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}
export function isConflictError(err: unknown): err is ConflictError {
  return err instanceof ConflictError;
}
export function isUnavailableError(err: unknown): err is UnavailableError {
  return err instanceof UnavailableError;
}
export function isPermanentError(err: unknown): err is PermanentError {
  return err instanceof PermanentError;
}

/** Field issues from a zod error, with dotted paths. */
export function issuesFromZod(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
