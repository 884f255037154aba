/**
 * A small keep-alive HTTP/1.1 client for plain-http upstreams. The gateway sends every proxied
 * request through it because Deno's fetch costs several times more CPU per request than the
 * upstream services spend answering (see tools/bench/gateway.ts). Bodies stream both ways:
 * request bodies with their content-length or chunked, responses by content-length, chunked or
 * until close. A pooled connection the server has closed meanwhile is retried once on a fresh
 * one, but only when the request body can be sent again.
 *
 * Errors are TypeErrors, as fetch's are, so callers treat both transports alike.
 */
import { chunkedBody, type Done, sizedBody } from "./bodies.ts";
import {
  Connection,
  type Head,
  isResetLike,
  parseHead,
  StaleConnection,
  toTypeError,
  writeAll,
} from "./connection.ts";

const encoder = new TextEncoder();
/** Responses up to this size are read whole before they are handed on, without a stream. */
const BUFFERED_BODY_BYTES = 64 * 1024;
/** Headers the client sets itself from the body it sends. */
const FRAMING = new Set(["host", "connection", "content-length", "transfer-encoding", "expect"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export interface Http1Request {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Lower-case names when given as pairs. */
  headers: Headers | [string, string][];
  body?: ReadableStream<Uint8Array> | Uint8Array | string | null;
  signal?: AbortSignal;
}

export class Http1Pool {
  readonly #hostname: string;
  readonly #port: number;
  readonly #host: string;
  readonly #idle: Connection[] = [];
  readonly #maxIdle: number;
  readonly #idleTimeoutMs: number;

  /**
   * `idleTimeoutMs`: a connection idle for longer is not reused; below the keep-alive timeouts
   * servers commonly use (Node's is 5 s), so a request rarely meets one the server closed.
   */
  constructor(origin: string, options: { maxIdle?: number; idleTimeoutMs?: number } = {}) {
    const url = new URL(origin);
    if (url.protocol !== "http:") throw new TypeError(`Http1Pool speaks http only, got ${origin}`);
    this.#hostname = url.hostname.replace(/^\[|\]$/g, "");
    this.#port = Number(url.port || 80);
    this.#host = url.host;
    this.#maxIdle = options.maxIdle ?? 256;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
  }

  async request(req: Http1Request): Promise<Response> {
    const replayable = !(req.body instanceof ReadableStream);
    for (let attempt = 0;; attempt++) {
      const reused = this.#reusable();
      const conn = reused ?? await this.#connect();
      try {
        return await this.#exchange(conn, req);
      } catch (err) {
        conn.close();
        // A kept-alive connection the server closed meanwhile: send once more on a new one,
        // if nothing reached it or sending twice is harmless.
        const again = err instanceof StaleConnection &&
          (!err.written || IDEMPOTENT.has(req.method));
        if (reused && replayable && attempt === 0 && again) continue;
        if (err instanceof StaleConnection) {
          throw new TypeError("upstream closed the connection before answering");
        }
        throw err;
      }
    }
  }

  /** Closes idle connections (the pool stays usable). */
  close(): void {
    for (const conn of this.#idle.splice(0)) conn.close();
  }

  async #connect(): Promise<Connection> {
    try {
      const conn = await Deno.connect({ hostname: this.#hostname, port: this.#port });
      conn.setNoDelay(true);
      return new Connection(conn);
    } catch (err) {
      const refused = err instanceof Deno.errors.ConnectionRefused;
      throw new TypeError(
        `tcp connect error: ${refused ? "Connection refused" : (err as Error).message}`,
        { cause: err },
      );
    }
  }

  #reusable(): Connection | undefined {
    const now = performance.now();
    for (let conn = this.#idle.pop(); conn; conn = this.#idle.pop()) {
      if (now - conn.idleSince < this.#idleTimeoutMs) return conn;
      conn.close();
    }
    return undefined;
  }

  #release(conn: Connection): void {
    if (conn.closed || conn.buffered > 0 || this.#idle.length >= this.#maxIdle) {
      conn.close();
      return;
    }
    conn.idleSince = performance.now();
    this.#idle.push(conn);
  }

  async #exchange(conn: Connection, req: Http1Request): Promise<Response> {
    const onAbort = () => conn.close();
    req.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (req.signal?.aborted) throw new TypeError("request aborted");
      const method = req.method.toUpperCase();
      let head = `${method} ${req.path} HTTP/1.1\r\nhost: ${this.#host}\r\n`;
      for (const [name, value] of req.headers) {
        if (!FRAMING.has(name)) head += `${name}: ${value}\r\n`;
      }
      let body: Uint8Array | undefined;
      let stream: ReadableStream<Uint8Array> | undefined;
      let chunked = false;
      if (typeof req.body === "string") body = encoder.encode(req.body);
      else if (req.body instanceof Uint8Array) body = req.body;
      else if (req.body instanceof ReadableStream) stream = req.body;
      if (body) head += `content-length: ${body.length}\r\n`;
      else if (stream) {
        const length = req.headers instanceof Headers
          ? req.headers.get("content-length")
          : req.headers.find(([name]) => name === "content-length")?.[1];
        if (length && /^\d+$/.test(length)) head += `content-length: ${length}\r\n`;
        else {
          head += "transfer-encoding: chunked\r\n";
          chunked = true;
        }
      } else if (method === "POST" || method === "PUT" || method === "PATCH") {
        head += "content-length: 0\r\n";
      }
      const headBytes = encoder.encode(head + "\r\n");
      if (body && body.length <= 16 * 1024) {
        const joined = new Uint8Array(headBytes.length + body.length);
        joined.set(headBytes);
        joined.set(body, headBytes.length);
        await this.#write(conn, joined);
      } else {
        await this.#write(conn, headBytes);
        if (body) await this.#write(conn, body);
      }
      // The body is sent while the response is awaited: an upstream may answer early (413).
      const upload = { finished: !stream };
      if (stream) this.#upload(conn, stream, chunked).then((ok) => upload.finished = ok);

      let parsed: Head;
      let first = true;
      for (;;) {
        const text = await conn.readHead().catch((err) => {
          if (first && isResetLike(err)) throw new StaleConnection(true);
          throw toTypeError(err);
        });
        if (text === undefined) throw new StaleConnection(true);
        first = false;
        parsed = parseHead(text);
        if (parsed.status === 101) throw new TypeError("upstream switched protocols; not proxied");
        if (parsed.status >= 200) break; // 100 Continue and other interim answers are skipped
      }
      req.signal?.removeEventListener("abort", onAbort);
      return await this.#response(conn, method, parsed, upload);
    } catch (err) {
      req.signal?.removeEventListener("abort", onAbort);
      if (err instanceof StaleConnection) throw err;
      throw toTypeError(err);
    }
  }

  async #write(conn: Connection, bytes: Uint8Array): Promise<void> {
    try {
      await writeAll(conn.conn, bytes);
    } catch (err) {
      if (isResetLike(err)) throw new StaleConnection(false);
      throw err;
    }
  }

  /** Streams the request body; true when all of it was sent. */
  async #upload(
    conn: Connection,
    stream: ReadableStream<Uint8Array>,
    chunked: boolean,
  ): Promise<boolean> {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length === 0) continue;
        if (chunked) await writeAll(conn.conn, encoder.encode(`${value.length.toString(16)}\r\n`));
        await writeAll(conn.conn, value);
        if (chunked) await writeAll(conn.conn, encoder.encode("\r\n"));
      }
      if (chunked) await writeAll(conn.conn, encoder.encode("0\r\n\r\n"));
      return true;
    } catch {
      conn.close();
      await reader.cancel().catch(() => {});
      return false;
    }
  }

  async #response(
    conn: Connection,
    method: string,
    head: Head,
    upload: { finished: boolean },
  ): Promise<Response> {
    const { status, statusText, headers } = head;
    // A connection goes back to the pool only when both bodies are complete.
    const done: Done = (reusable) => {
      if (reusable && head.keepAlive && upload.finished) this.#release(conn);
      else conn.close();
    };
    const init = { status, statusText, headers };
    if (method === "HEAD" || status === 204 || status === 304) {
      done(true);
      return new Response(null, init);
    }
    const encoding = headers.get("transfer-encoding")?.toLowerCase();
    if (encoding && encoding.split(",").map((s) => s.trim()).includes("chunked")) {
      headers.delete("transfer-encoding");
      return new Response(chunkedBody(conn, done), init);
    }
    const lengthHeader = headers.get("content-length");
    if (lengthHeader !== null) {
      const length = Number(lengthHeader);
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new TypeError(`upstream sent an invalid content-length: ${lengthHeader}`);
      }
      if (length <= BUFFERED_BODY_BYTES) {
        while (conn.buffered < length) {
          if (!await conn.fill()) throw new TypeError("upstream closed the connection mid-body");
        }
        const bytes = conn.take(length);
        done(true);
        return new Response(bytes, init);
      }
      return new Response(sizedBody(conn, length, done), init);
    }
    // Neither length nor chunks: the body runs until the server closes the connection.
    return new Response(sizedBody(conn, Infinity, done), init);
  }
}
