/**
 * Response bodies of the HTTP/1.1 client, read from the connection as the reader pulls: by
 * content-length, until the server closes, or chunked. `done` says whether the connection may
 * be reused; an error or a cancelled body closes it.
 */
import { type Connection, toTypeError } from "./connection.ts";

export type Done = (reusable: boolean) => void;
type Controller = ReadableStreamDefaultController<Uint8Array>;

function bodyStream(
  conn: Connection,
  step: (controller: Controller) => Promise<void>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await step(controller);
      } catch (err) {
        conn.close();
        controller.error(toTypeError(err));
      }
    },
    cancel() {
      conn.close();
    },
  }, { highWaterMark: 0 });
}

/** `length` bytes, or with Infinity everything until the server closes the connection. */
export function sizedBody(
  conn: Connection,
  length: number,
  done: Done,
): ReadableStream<Uint8Array> {
  let left = length;
  return bodyStream(conn, async (controller) => {
    if (conn.buffered === 0 && !await conn.fill()) {
      if (length === Infinity) {
        controller.close();
        done(false);
        return;
      }
      throw new TypeError("upstream closed the connection mid-body");
    }
    const chunk = conn.take(left);
    left -= chunk.length;
    controller.enqueue(chunk);
    if (left === 0) {
      controller.close();
      done(true);
    }
  });
}

export function chunkedBody(conn: Connection, done: Done): ReadableStream<Uint8Array> {
  let left = 0;
  return bodyStream(conn, async (controller) => {
    if (left === 0) {
      const sizeLine = await conn.readLine();
      const size = parseInt(sizeLine.split(";")[0].trim(), 16);
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new TypeError(`upstream sent an invalid chunk size: ${sizeLine.slice(0, 20)}`);
      }
      if (size === 0) {
        while ((await conn.readLine()) !== ""); // trailers, then the blank line
        controller.close();
        done(true);
        return;
      }
      left = size;
    }
    if (conn.buffered === 0 && !await conn.fill()) {
      throw new TypeError("upstream closed the connection mid-chunk");
    }
    const chunk = conn.take(left);
    left -= chunk.length;
    if (left === 0) {
      if ((await conn.readLine()) !== "") {
        throw new TypeError("upstream sent a malformed chunk");
      }
    }
    controller.enqueue(chunk);
  });
}
