/**
 * One TCP connection of the HTTP/1.1 client: a read buffer with line and head scanning, the
 * response head's parser, and the client's errors (TypeErrors, as fetch's are).
 */

const decoder = new TextDecoder();
const CRLF_CRLF = [13, 10, 13, 10];
const MAX_HEAD_BYTES = 64 * 1024;

export class Connection {
  readonly conn: Deno.TcpConn;
  buf: Uint8Array<ArrayBuffer> = new Uint8Array(16 * 1024);
  start = 0;
  end = 0;
  closed = false;
  /** When it went back to the pool (performance.now()). */
  idleSince = 0;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  /** Reads more bytes into the buffer; false at end of stream. */
  async fill(): Promise<boolean> {
    if (this.start > 0 && this.start === this.end) this.start = this.end = 0;
    if (this.end === this.buf.length) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      } else {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
    }
    const n = await this.conn.read(this.buf.subarray(this.end));
    if (n === null) return false;
    this.end += n;
    return true;
  }

  /** Takes up to `max` buffered bytes (a copy). */
  take(max: number): Uint8Array<ArrayBuffer> {
    const n = Math.min(max, this.buffered);
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  async readLine(): Promise<string> {
    for (;;) {
      for (let i = this.start; i + 1 < this.end; i++) {
        if (this.buf[i] === 13 && this.buf[i + 1] === 10) {
          const line = decoder.decode(this.buf.subarray(this.start, i));
          this.start = i + 2;
          return line;
        }
      }
      if (this.buffered > MAX_HEAD_BYTES) throw new TypeError("upstream sent an overlong line");
      if (!await this.fill()) throw new TypeError("upstream closed the connection mid-response");
    }
  }

  /** The response head up to and without the blank line; undefined if closed before any byte. */
  async readHead(): Promise<string | undefined> {
    // Offsets are relative to `start`: fill() may move the buffered bytes.
    let scanned = 0;
    for (;;) {
      for (let i = this.start + Math.max(3, scanned); i < this.end; i++) {
        if (
          this.buf[i] === CRLF_CRLF[3] && this.buf[i - 1] === CRLF_CRLF[2] &&
          this.buf[i - 2] === CRLF_CRLF[1] && this.buf[i - 3] === CRLF_CRLF[0]
        ) {
          const head = decoder.decode(this.buf.subarray(this.start, i - 3));
          this.start = i + 1;
          return head;
        }
      }
      scanned = Math.max(0, this.buffered);
      if (this.buffered > MAX_HEAD_BYTES) throw new TypeError("upstream sent an overlong head");
      const before = this.buffered;
      if (!await this.fill()) {
        if (before === 0) return undefined;
        throw new TypeError("upstream closed the connection mid-head");
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

export interface Head {
  status: number;
  statusText: string;
  headers: Headers;
  keepAlive: boolean;
}

export function parseHead(head: string): Head {
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!status) {
    throw new TypeError(`upstream sent an invalid status line: ${lines[0].slice(0, 80)}`);
  }
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon <= 0) continue;
    try {
      headers.append(lines[i].slice(0, colon).trim(), lines[i].slice(colon + 1).trim());
    } catch { /* an invalid header is dropped, as browsers do */ }
  }
  const connection = headers.get("connection")?.toLowerCase() ?? "";
  const keepAlive = status[1] === "1"
    ? !connection.includes("close")
    : connection.includes("keep-alive");
  return { status: Number(status[2]), statusText: status[3] ?? "", headers, keepAlive };
}

export async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** The server closed a kept-alive connection before this request got any answer. */
export class StaleConnection extends Error {
  /** Whether the request had been written when it happened. */
  constructor(readonly written: boolean) {
    super("stale connection");
  }
}

export function isResetLike(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.ConnectionAborted ||
    err instanceof Deno.errors.UnexpectedEof;
}

export function toTypeError(err: unknown): TypeError {
  if (err instanceof TypeError) return err;
  if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted) {
    return new TypeError("request aborted", { cause: err });
  }
  return new TypeError(`upstream connection failed: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}
