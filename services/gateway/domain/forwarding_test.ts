import assert from "node:assert/strict";
import { type ForwardContext, stripHopByHop, upstreamRequestHeaders } from "./forwarding.ts";

const ctx: ForwardContext = {
  requestId: "req-1",
  correlationId: "corr-1",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  forwardedFor: ["10.0.0.9"],
  identityToken: "signed.by.gateway",
  host: "gateway.local:8080",
  proto: "http",
};

Deno.test("ids, trace context and Idempotency-Key go upstream; hop-by-hop headers do not", () => {
  const incoming = new Headers({
    "idempotency-key": "k-1",
    "content-type": "application/json",
    connection: "keep-alive, x-secret-hop",
    "x-secret-hop": "1",
    "keep-alive": "timeout=5",
    host: "gateway.local:8080",
    "accept-encoding": "gzip",
    "x-request-id": "spoofed",
    traceparent: "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01",
  });
  const out = new Headers(upstreamRequestHeaders(incoming, ctx));
  assert.equal(out.get("idempotency-key"), "k-1");
  assert.equal(out.get("content-type"), "application/json");
  assert.equal(out.get("x-request-id"), "req-1");
  assert.equal(out.get("x-correlation-id"), "corr-1");
  assert.equal(out.get("traceparent"), ctx.traceparent);
  assert.equal(out.get("x-forwarded-for"), "10.0.0.9");
  assert.equal(out.get("x-forwarded-host"), "gateway.local:8080");
  assert.equal(out.get("x-forwarded-proto"), "http");
  assert.equal(out.get("accept-encoding"), "identity");
  for (const gone of ["connection", "keep-alive", "x-secret-hop", "host"]) {
    assert.equal(out.has(gone), false, gone);
  }
});

Deno.test("x-forwarded-for carries the trusted hops only, never what the client wrote", () => {
  const list = upstreamRequestHeaders(new Headers({ "x-forwarded-for": "1.2.3.4" }), ctx);
  assert.deepEqual(list.filter(([n]) => n === "x-forwarded-for"), [
    ["x-forwarded-for", "10.0.0.9"],
  ]);
  const behindProxy = upstreamRequestHeaders(new Headers({ "x-forwarded-for": "1.2.3.4" }), {
    ...ctx,
    forwardedFor: ["203.0.113.5", "10.0.0.1"],
  });
  assert.equal(new Headers(behindProxy).get("x-forwarded-for"), "203.0.113.5, 10.0.0.1");
  const noSocket = upstreamRequestHeaders(new Headers({ "x-forwarded-for": "1.2.3.4" }), {
    ...ctx,
    forwardedFor: [],
  });
  assert.equal(new Headers(noSocket).has("x-forwarded-for"), false);
});

Deno.test("identity headers a client sends are dropped; the gateway's token goes up instead", () => {
  const incoming = new Headers({
    authorization: "Bearer flt_clientkey",
    "x-user-id": "admin",
    "x-service-id": "accounts",
    forwarded: "for=6.6.6.6",
    "x-real-ip": "6.6.6.6",
  });
  const out = new Headers(upstreamRequestHeaders(incoming, ctx));
  assert.equal(out.get("authorization"), "Bearer signed.by.gateway");
  for (const gone of ["x-user-id", "x-service-id", "forwarded", "x-real-ip"]) {
    assert.equal(out.has(gone), false, gone);
  }
});

Deno.test("response headers lose hop-by-hop ones and keep the rest", () => {
  const out = new Headers({
    "transfer-encoding": "chunked",
    etag: '"abc"',
    "content-length": "5",
    connection: "x-hop",
    "x-hop": "1",
  });
  stripHopByHop(out);
  assert.equal(out.has("x-hop"), false);
  assert.equal(out.has("transfer-encoding"), false);
  assert.equal(out.get("etag"), '"abc"');
  assert.equal(out.get("content-length"), "5");
});
