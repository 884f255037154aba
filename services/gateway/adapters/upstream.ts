/**
 * One upstream service seen from the gateway: requests go through a timeout (until the
 * response headers arrive; bodies then stream freely), a circuit breaker shared by every
 * request to that upstream, and, for GET/HEAD/OPTIONS only, a few retries. Failures become
 * 502/503/504 problem documents that name the upstream.
 */
import { timeout, TimeoutStrategy } from "cockatiel";
import {
  breaker,
  CircuitState,
  combine,
  type IPolicy,
  isBrokenCircuitError,
  isTaskCancelledError,
  problem,
  problemResponse,
  retries,
} from "@flotilla/backbone";
import { Http1Pool } from "./http1/pool.ts";

export interface UpstreamOptions {
  name: string;
  /** Base URL without a trailing slash; undefined when not configured. */
  baseUrl: string | undefined;
  /** The variable that configures it, for the error that says it is missing. */
  envVar: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

export type UpstreamStatusCode = 502 | 503 | 504;

/** The gateway could not get an answer from an upstream. */
export class UpstreamFailure extends Error {
  override readonly name = "UpstreamFailure";
  constructor(
    readonly status: UpstreamStatusCode,
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, { cause: options?.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly retryAfterSeconds: number | undefined;

  toResponse(instance?: string): Response {
    const titles = { 502: "Bad gateway", 503: "Service unavailable", 504: "Gateway timeout" };
    const headers: Record<string, string> = {};
    if (this.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(this.retryAfterSeconds);
    }
    return problemResponse(
      problem(this.status, titles[this.status], this.message, instance, {
        upstream: this.upstream,
      }),
      headers,
    );
  }
}

/** An upstream answer that counts as a failure (502/503/504), carried through the policies. */
class FailedAnswer extends Error {
  constructor(readonly response: Response) {
    super(`upstream answered ${response.status}`);
  }
}

const RETRYABLE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const FAILURE_STATUSES = new Set([502, 503, 504]);

function isNetworkError(err: unknown): err is TypeError {
  return err instanceof TypeError;
}

/** No connection could be made (fetch and Http1Pool both say "tcp connect error"). */
function isConnectError(err: unknown): boolean {
  if (!isNetworkError(err)) return false;
  return /tcp connect error/i.test(`${err.message} ${String(err.cause ?? "")}`);
}

export interface SendInit {
  method: string;
  /** Lower-case names when given as pairs. */
  headers: Headers | [string, string][];
  body?: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | string | null;
}

/** fetch's responses have immutable headers; the proxy edits them, so it gets a copy. */
async function fetchWithMutableHeaders(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  return new Response(res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: new Headers(res.headers),
  });
}

export type CircuitStateName = "closed" | "open" | "half-open" | "isolated";

export class Upstream {
  readonly name: string;
  readonly baseUrl: string | undefined;
  readonly #options: UpstreamOptions;
  readonly #circuit: ReturnType<typeof breaker>;
  readonly #withRetries: IPolicy;
  readonly #once: IPolicy;
  /** Plain-http upstreams go through the keep-alive pool; https ones through fetch. */
  readonly #pool: { pool: Http1Pool; basePath: string } | undefined;

  constructor(options: UpstreamOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl;
    this.#options = options;
    if (options.baseUrl?.startsWith("http://")) {
      const base = new URL(options.baseUrl);
      this.#pool = {
        pool: new Http1Pool(base.origin),
        basePath: base.pathname.replace(/\/+$/, ""),
      };
    }
    this.#circuit = breaker({
      threshold: options.breakerThreshold,
      halfOpenAfterMs: options.halfOpenAfterMs,
    });
    // abortOnReturn: false, or the response body would be cut off once the headers are in.
    const deadline = timeout(options.timeoutMs, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
    this.#once = combine(this.#circuit, deadline);
    this.#withRetries = options.retries > 0
      ? combine(
        retries({
          attempts: options.retries,
          initialDelayMs: options.retryDelayMs,
          maxDelayMs: Math.max(options.retryDelayMs, 1_000),
          isRetryable: (err) => err instanceof FailedAnswer || isNetworkError(err),
        }),
        this.#once,
      )
      : this.#once;
  }

  get configured(): boolean {
    return this.baseUrl !== undefined;
  }

  get circuit(): CircuitStateName {
    switch (this.#circuit.state) {
      case CircuitState.Open:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      case CircuitState.Isolated:
        return "isolated";
      default:
        return "closed";
    }
  }

  /**
   * Sends one request (`pathAndQuery` starts with `/`). An upstream's own 502/503/504 is
   * returned as it is once retries are spent; no answer at all throws an UpstreamFailure.
   * The response's headers are mutable.
   */
  async send(pathAndQuery: string, init: SendInit): Promise<Response> {
    if (!this.baseUrl) {
      throw new UpstreamFailure(
        503,
        this.name,
        `Upstream ${this.name} is not configured: ${this.#options.envVar} is not set`,
      );
    }
    const url = this.baseUrl + pathAndQuery;
    const method = init.method.toUpperCase();
    const retryable = RETRYABLE_METHODS.has(method);
    let failed: Response | undefined;
    try {
      return await (retryable ? this.#withRetries : this.#once).execute(async ({ signal }) => {
        if (failed) await failed.body?.cancel();
        failed = undefined;
        const body = retryable ? undefined : init.body;
        const res = this.#pool
          ? await this.#pool.pool.request({
            method,
            path: this.#pool.basePath + pathAndQuery,
            headers: init.headers,
            body,
            signal,
          })
          : await fetchWithMutableHeaders(url, {
            method,
            headers: init.headers,
            body,
            signal,
            redirect: "manual",
          });
        if (FAILURE_STATUSES.has(res.status)) {
          failed = res;
          throw new FailedAnswer(res);
        }
        return res;
      });
    } catch (err) {
      if (err instanceof FailedAnswer) return err.response;
      await failed?.body?.cancel();
      throw this.#failure(err);
    }
  }

  #failure(err: unknown): UpstreamFailure {
    const name = this.name;
    if (isBrokenCircuitError(err)) {
      return new UpstreamFailure(
        503,
        name,
        `Upstream ${name} is unavailable: its circuit is open after repeated failures`,
        {
          cause: err,
          retryAfterSeconds: Math.max(1, Math.ceil(this.#options.halfOpenAfterMs / 1000)),
        },
      );
    }
    if (isTaskCancelledError(err)) {
      return new UpstreamFailure(
        504,
        name,
        `Upstream ${name} did not answer within ${this.#options.timeoutMs} ms`,
        { cause: err },
      );
    }
    if (isConnectError(err)) {
      return new UpstreamFailure(
        503,
        name,
        `Upstream ${name} cannot be reached at ${this.baseUrl}: ${
          /refused/i.test(`${(err as Error).message} ${String((err as Error).cause ?? "")}`)
            ? "connection refused"
            : "no connection"
        }`,
        { cause: err, retryAfterSeconds: 1 },
      );
    }
    const reason = err instanceof Error ? err.message : String(err);
    return new UpstreamFailure(502, name, `Upstream ${name} failed: ${reason}`, { cause: err });
  }

  /** A direct GET of `path` with its own short time limit, outside the breaker (probes, docs). */
  async probe(
    path: string,
    timeoutMs: number,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    if (!this.baseUrl) throw new Error(`${this.#options.envVar} is not set`);
    return await fetch(this.baseUrl + path, {
      headers: { ...headers, "accept-encoding": "identity" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  }
}
