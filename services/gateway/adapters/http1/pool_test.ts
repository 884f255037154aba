import assert from "node:assert/strict";
import { freePort } from "@flotilla/infra";
import { Http1Pool } from "./pool.ts";

const get = (path: string) => ({ method: "GET", path, headers: new Headers() });

function serve(
  handler: (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`, server };
}

/** A raw TCP server that answers each connection with `reply(requestIndex)` and maybe closes. */
function rawServer(reply: (n: number) => { bytes: string; close: boolean }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let n = 0;
  let connections = 0;
  (async () => {
    for await (const conn of listener) {
      connections++;
      (async () => {
        const buf = new Uint8Array(8192);
        while ((await conn.read(buf).catch(() => null)) !== null) {
          const { bytes, close } = reply(n++);
          await conn.write(new TextEncoder().encode(bytes)).catch(() => {});
          if (close) break;
        }
        try {
          conn.close();
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    connections: () => connections,
    close: () => listener.close(),
  };
}

Deno.test({
  name: "small answers come back whole and the connection is kept for the next request",
  sanitizeResources: false,
  async fn() {
    const { url, server } = serve((req, info) =>
      Response.json({
        path: new URL(req.url).pathname,
        port: (info.remoteAddr as Deno.NetAddr).port,
      })
    );
    const pool = new Http1Pool(url);
    try {
      const a = await (await pool.request(get("/a"))).json();
      const b = await (await pool.request(get("/b?x=1"))).json();
      assert.equal(a.path, "/a");
      assert.equal(b.path, "/b");
      assert.equal(a.port, b.port, "same client port: one kept-alive connection");
      const head = await pool.request({ method: "HEAD", path: "/h", headers: new Headers() });
      assert.equal(head.status, 200);
      assert.equal(head.body, null);
      const after = await (await pool.request(get("/c"))).json();
      assert.equal(after.port, a.port, "still the same connection after a HEAD");
    } finally {
      pool.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a 3 MiB chunked answer and a 3 MiB upload (chunked and sized) cross byte for byte",
  sanitizeResources: false,
  async fn() {
    const big = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const payload = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += big.length) payload.set(big, i);
    const { url, server } = serve(async (req) => {
      if (req.method === "GET") return new Response(new Response(payload).body); // chunked
      const got = new Uint8Array(await req.arrayBuffer());
      return Response.json({
        length: got.length,
        same: got.every((v, i) => v === payload[i]),
        sized: req.headers.get("content-length"),
      });
    });
    const pool = new Http1Pool(url);
    try {
      const down = await pool.request(get("/photo"));
      const bytes = new Uint8Array(await down.arrayBuffer());
      assert.equal(bytes.length, payload.length);
      assert.ok(bytes.every((v, i) => v === payload[i]));

      const chunked = await pool.request({
        method: "PUT",
        path: "/photo",
        headers: new Headers({ "content-type": "image/png" }),
        body: new Response(payload).body,
      });
      assert.deepEqual(await chunked.json(), { length: payload.length, same: true, sized: null });

      const sized = await pool.request({
        method: "PUT",
        path: "/photo",
        headers: new Headers({ "content-length": String(payload.length) }),
        body: new Response(payload).body,
      });
      assert.deepEqual(await sized.json(), {
        length: payload.length,
        same: true,
        sized: String(payload.length),
      });
    } finally {
      pool.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a kept-alive connection the server closed is replaced for the next GET",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const raw = rawServer((n) => ({
      bytes: `HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${n}`,
      close: true, // closes after each answer without saying so
    }));
    const pool = new Http1Pool(raw.url);
    try {
      assert.equal(await (await pool.request(get("/"))).text(), "0");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await (await pool.request(get("/"))).text(), "1");
      assert.equal(raw.connections(), 2);
    } finally {
      pool.close();
      raw.close();
    }
  },
});

Deno.test({
  name: "an answer without length runs until close; connection: close is honoured",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const raw = rawServer(() => ({
      bytes: "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\nhello, world",
      close: true,
    }));
    const pool = new Http1Pool(raw.url);
    try {
      const res = await pool.request(get("/"));
      assert.equal(res.headers.get("content-type"), "text/plain");
      assert.equal(await res.text(), "hello, world");
    } finally {
      pool.close();
      raw.close();
    }
  },
});

Deno.test("a refused connection is a TypeError that says so", async () => {
  const pool = new Http1Pool(`http://127.0.0.1:${freePort()}`);
  await assert.rejects(
    () => pool.request(get("/")),
    (err: unknown) => err instanceof TypeError && /Connection refused/.test(err.message),
  );
});

Deno.test({
  name: "aborting the signal while waiting for the answer fails the request",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { url, server } = serve(async () => {
      await new Promise((r) => setTimeout(r, 500));
      return new Response("late");
    });
    const pool = new Http1Pool(url);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(
        () => pool.request({ ...get("/"), signal: controller.signal }),
        TypeError,
      );
    } finally {
      pool.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a connection idle for longer than idleTimeoutMs is not reused",
  sanitizeResources: false,
  async fn() {
    const { url, server } = serve((_req, info) =>
      new Response(String((info.remoteAddr as Deno.NetAddr).port))
    );
    const pool = new Http1Pool(url, { idleTimeoutMs: 100 });
    try {
      const first = await (await pool.request(get("/"))).text();
      assert.equal(await (await pool.request(get("/"))).text(), first, "reused while fresh");
      await new Promise((r) => setTimeout(r, 150));
      assert.notEqual(await (await pool.request(get("/"))).text(), first, "a new one after");
    } finally {
      pool.close();
      await server.shutdown();
    }
  },
});
