/**
 * The gateway in front of stub upstreams (real HTTP servers): routing, header propagation,
 * streaming of large bodies, retries only for GET, timeouts, a stopped upstream failing fast
 * and recovering when its circuit half-opens, and the rate limit (per principal, per trusted
 * client address).
 */
import assert from "node:assert/strict";
import {
  ROUTES,
  startGateway,
  stubUpstream,
  UPSTREAM_ENV,
  UPSTREAM_NAMES,
} from "@flotilla/gateway/testing";
import { eventually, integration, type TestEnv, testEnv } from "@flotilla/testkit";

integration(
  "every /api/v1 resource reaches its own upstream with path and query unchanged",
  async () => {
    await using env = await testEnv();
    const stubs = new Map(UPSTREAM_NAMES.map((name) => [
      name,
      stubUpstream((_req, seen) => Response.json({ upstream: name, path: seen.path })),
    ]));
    await using gateway = await startGateway(
      env,
      Object.fromEntries(UPSTREAM_NAMES.map((n) => [UPSTREAM_ENV[n], stubs.get(n)!.url])),
    );
    try {
      for (const route of ROUTES) {
        for (const path of [route.prefix, `${route.prefix}/42/sub?x=1&y=two`]) {
          const res = await gateway.fetch(path);
          assert.equal(res.status, 200, path);
          assert.deepEqual(await res.json(), { upstream: route.upstream, path }, path);
        }
      }
      for (const path of ["/api/v1/unknown", "/api/v1/usersx", "/api/v2/users"]) {
        const res = await gateway.fetch(path);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
    } finally {
      for (const stub of stubs.values()) await stub.stop();
    }
  },
);

integration(
  "request id, correlation, traceparent, Idempotency-Key and the gateway's token reach the upstream; claimed identities do not",
  async () => {
    await using env = await testEnv();
    await using users = stubUpstream(() => Response.json({ id: 1 }, { status: 201 }));
    await using gateway = await startGateway(env, { UPSTREAM_USERS: users.url });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const res = await gateway.fetch(`/api/v1/users`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-request-id": "req-abc",
        "x-correlation-id": "corr-xyz",
        traceparent,
        "idempotency-key": "key-123",
        "x-forwarded-for": "203.0.113.7",
        "x-user-id": "admin",
        "x-service-id": "accounts",
      },
      body: JSON.stringify({ name: "Ada" }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-request-id"), "req-abc");
    await res.body?.cancel();
    const [seen] = users.seen;
    assert.equal(seen.method, "POST");
    assert.equal(new TextDecoder().decode(seen.body), '{"name":"Ada"}');
    assert.equal(seen.headers.get("x-request-id"), "req-abc");
    assert.equal(seen.headers.get("x-correlation-id"), "corr-xyz");
    assert.equal(seen.headers.get("traceparent"), traceparent);
    assert.equal(seen.headers.get("idempotency-key"), "key-123");
    // The peer (127.0.0.1) is not a trusted proxy: what the client wrote is not passed on.
    assert.equal(seen.headers.get("x-forwarded-for"), "127.0.0.1");
    assert.equal(seen.headers.has("x-user-id"), false);
    assert.equal(seen.headers.has("x-service-id"), false);
    assert.match(seen.headers.get("authorization")!, /^Bearer ey/, "the gateway's own token");

    // Without ids from the client the gateway makes them and still sends them on.
    const bare = await gateway.fetch(`/api/v1/users/1`);
    await bare.body?.cancel();
    const second = users.seen[1];
    assert.ok(second.headers.get("x-request-id"));
    assert.equal(second.headers.get("x-request-id"), bare.headers.get("x-request-id"));
    assert.match(second.headers.get("traceparent")!, /^00-[\da-f]{32}-[\da-f]{16}-01$/);
  },
);

integration(
  "a 5 MiB photo streams up and back byte for byte with its length and type",
  async () => {
    await using env = await testEnv();
    const stored = new Map<string, { bytes: Uint8Array<ArrayBuffer>; type: string }>();
    await using listings = stubUpstream((req, seen) => {
      if (req.method === "PUT") {
        stored.set(seen.path, { bytes: seen.body, type: req.headers.get("content-type")! });
        return Response.json({ size: seen.body.length }, { status: 201 });
      }
      const photo = stored.get(seen.path)!;
      return new Response(photo.bytes, {
        headers: { "content-type": photo.type, etag: '"v1"' },
      });
    });
    await using gateway = await startGateway(env, { UPSTREAM_LISTINGS: listings.url });
    const photo = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const big = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i += photo.length) big.set(photo, i);
    const path = "/api/v1/listings/7/photos/front.jpg";

    const put = await gateway.fetch(path, {
      method: "PUT",
      headers: { "content-type": "image/jpeg" },
      body: new Response(big).body, // a stream, as a browser upload would send it
    });
    assert.equal(put.status, 201);
    assert.deepEqual(await put.json(), { size: big.length });

    const got = await gateway.fetch(path);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), "image/jpeg");
    assert.equal(got.headers.get("content-length"), String(big.length));
    assert.equal(got.headers.get("etag"), '"v1"');
    const back = new Uint8Array(await got.arrayBuffer());
    const digest = async (b: Uint8Array<ArrayBuffer>) =>
      new Uint8Array(await crypto.subtle.digest("SHA-256", b)).join();
    assert.equal(back.length, big.length);
    assert.equal(await digest(back), await digest(big));
  },
);

integration(
  "an upstream without a URL answers 503 problem+json naming it and its variable",
  async () => {
    await using env = await testEnv();
    await using gateway = await startGateway(env, {});
    const res = await gateway.fetch(`/api/v1/orders/b563feb7b2b84b6test`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const doc = await res.json();
    assert.equal(doc.upstream, "orders");
    assert.match(doc.detail, /UPSTREAM_ORDERS is not set/);
  },
);

integration("GET is retried after an upstream 503, POST is not", async () => {
  await using env = await testEnv();
  let calls = 0;
  await using accounts = stubUpstream(() => {
    calls++;
    return calls % 2 === 1
      ? Response.json({ title: "busy" }, { status: 503 })
      : Response.json({ ok: true });
  });
  await using gateway = await startGateway(env, {
    UPSTREAM_ACCOUNTS: accounts.url,
    UPSTREAM_RETRIES: "2",
  });

  const get = await gateway.fetch(`/api/v1/accounts/123`);
  assert.equal(get.status, 200);
  await get.body?.cancel();
  assert.equal(calls, 2, "the GET was sent twice");

  calls = 0;
  const post = await gateway.fetch(`/api/v1/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ account_id: 1, initial_balance: "10.00" }),
  });
  assert.equal(post.status, 503, "the upstream's own 503 is passed on");
  assert.deepEqual(await post.json(), { title: "busy" });
  assert.equal(calls, 1, "the POST was sent once");

  // An upstream that stays down: one GET is tried 1 + UPSTREAM_RETRIES times, then given up.
  calls = 0;
  accounts.handler = () => {
    calls++;
    return new Response("down", { status: 503 });
  };
  const exhausted = await gateway.fetch(`/api/v1/accounts/123`);
  assert.equal(exhausted.status, 503);
  await exhausted.body?.cancel();
  assert.equal(calls, 3);
});

integration("a slow upstream gives 504 problem+json after the timeout", async () => {
  await using env = await testEnv();
  await using auditlog = stubUpstream(async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    return Response.json([]);
  });
  await using gateway = await startGateway(env, {
    UPSTREAM_AUDITLOG: auditlog.url,
    UPSTREAM_TIMEOUT_MS: "200",
    UPSTREAM_RETRIES: "0",
  });
  const started = performance.now();
  const res = await gateway.fetch(`/api/v1/audit-logs`);
  const elapsed = performance.now() - started;
  assert.equal(res.status, 504);
  const doc = await res.json();
  assert.equal(doc.upstream, "auditlog");
  assert.match(doc.detail, /did not answer within 200 ms/);
  assert.ok(elapsed < 1_000, `answered after ${Math.round(elapsed)} ms`);
});

integration(
  "a stopped upstream gives 503 quickly, its circuit opens, and it recovers after half-open",
  async () => {
    await using env = await testEnv();
    await using users = stubUpstream((_req, seen) => Response.json({ path: seen.path }));
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      BREAKER_THRESHOLD: "3",
      BREAKER_HALF_OPEN_MS: "400",
      UPSTREAM_RETRIES: "1",
    });
    const get = () => gateway.fetch(`/api/v1/users/1`);
    assert.equal(await get().then(async (r) => (await r.body?.cancel(), r.status)), 200);

    await users.stop();
    const details: string[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const res = await get();
      const elapsed = performance.now() - started;
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.ok(res.headers.get("retry-after"), "503 says when to retry");
      const doc = await res.json();
      assert.equal(doc.upstream, "users");
      details.push(doc.detail);
      assert.ok(elapsed < 500, `503 after ${Math.round(elapsed)} ms`);
    }
    assert.match(details[0], /cannot be reached/);
    assert.match(details.at(-1)!, /circuit is open/);

    users.start();
    const recovered = await eventually(
      "the users route to recover",
      async () => {
        const res = await get();
        const body = await res.json();
        return res.status === 200 ? body : undefined;
      },
      5_000,
      100,
    );
    assert.deepEqual(recovered, { path: "/api/v1/users/1" });
    const ready = await (await gateway.fetch(`/readyz`)).json();
    assert.equal(ready.circuits.users, "closed");
    assert.equal(ready.checks.users, "up");
  },
);

/** A gateway in front of a users stub, one request refilled every two seconds. */
async function limited(env: TestEnv, burst: number, vars: Record<string, string> = {}) {
  const users = stubUpstream(() => Response.json({ ok: true }));
  env.defer(() => users.stop());
  const gateway = await startGateway(env, {
    UPSTREAM_USERS: users.url,
    RATE_LIMIT_RPS: "0.5",
    RATE_LIMIT_BURST: String(burst),
    ...vars,
  });
  env.defer(async () => await gateway[Symbol.asyncDispose]());
  return { users, gateway };
}

integration(
  "the rate limit is per principal, and per client address for anonymous callers; forged headers change neither",
  async () => {
    await using env = await testEnv();
    // The test's own connections come from 127.0.0.1: here that is "the load balancer".
    const { users, gateway } = await limited(env, 3, { TRUSTED_PROXIES: "127.0.0.1" });
    const anonymous = (forwardedFor: string) =>
      fetch(`${gateway.url}/api/v1/users`, { headers: { "x-forwarded-for": forwardedFor } });
    for (let i = 0; i < 3; i++) {
      const ok = await anonymous("198.51.100.1");
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    }
    // A client that prepends made-up hops is still the rightmost untrusted one.
    const forged = await anonymous("6.6.6.6, 7.7.7.7, 198.51.100.1");
    assert.equal(forged.status, 429);
    assert.equal(forged.headers.get("retry-after"), "2");
    assert.equal(forged.headers.get("content-type"), "application/problem+json");
    assert.match((await forged.json()).detail, /anonymous@198\.51\.100\.1;/);
    assert.equal(users.seen.length, 3, "a refused request never reaches the upstream");
    const other = await anonymous("198.51.100.2");
    assert.equal(other.status, 200, "another client has its own bucket");
    await other.body?.cancel();

    // A key's bucket follows the key, wherever it says it comes from and whoever it claims to be.
    for (let i = 0; i < 3; i++) {
      const ok = await gateway.fetch(`/api/v1/users`, {
        headers: { "x-forwarded-for": `203.0.113.${i}`, "x-user-id": `user-${i}` },
      });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    }
    const keyLimited = await gateway.fetch(`/api/v1/users`, {
      headers: { "x-forwarded-for": "203.0.113.99", "x-user-id": "someone-else" },
    });
    assert.equal(keyLimited.status, 429);
    assert.match((await keyLimited.json()).detail, /for key:[a-z0-9]{12};/);

    const health = await fetch(`${gateway.url}/healthz`);
    assert.equal(health.status, 200, "health checks are not limited");
    await health.body?.cancel();
  },
);

integration(
  "without trusted proxies X-Forwarded-For is ignored: the socket's peer is the client",
  async () => {
    await using env = await testEnv();
    const { users, gateway } = await limited(env, 1);
    const from = (ip: string) =>
      fetch(`${gateway.url}/api/v1/users`, { headers: { "x-forwarded-for": ip } });
    const first = await from("198.51.100.1");
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const second = await from("198.51.100.2");
    assert.equal(second.status, 429, "a different X-Forwarded-For is the same client");
    assert.match((await second.json()).detail, /anonymous@127\.0\.0\.1;/);
    assert.equal(users.seen[0].headers.get("x-forwarded-for"), "127.0.0.1");
  },
);

integration(
  "an upstream that drops the connection without answering gives 502 naming it",
  async () => {
    await using env = await testEnv();
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = (async () => {
      for await (const conn of listener) {
        await conn.read(new Uint8Array(4096)).catch(() => null);
        conn.close();
      }
    })().catch(() => {});
    await using gateway = await startGateway(env, {
      UPSTREAM_TRANSACTIONS: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
      UPSTREAM_RETRIES: "0",
    });
    try {
      const res = await gateway.fetch(`/api/v1/transactions/1`);
      assert.equal(res.status, 502);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const doc = await res.json();
      assert.equal(doc.upstream, "transactions");
      assert.match(doc.detail, /Upstream transactions failed: .*closed the connection/);
    } finally {
      listener.close();
      await accepting;
    }
  },
);

integration(
  "a body past the gateway's limit is 413 and never reaches an upstream, declared or chunked",
  async () => {
    await using env = await testEnv();
    await using listings = stubUpstream(() => Response.json({ ok: true }));
    await using gateway = await startGateway(env, {
      UPSTREAM_LISTINGS: listings.url,
      MAX_UPLOAD_BYTES: "1000",
    });
    const chunked = (size: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < size; sent += 100) controller.enqueue(new Uint8Array(100));
          controller.close();
        },
      });
    const put = (type: string, body: BodyInit) =>
      gateway.fetch(`/api/v1/listings/1/photos/a.png`, {
        method: "PUT",
        headers: { "content-type": type },
        body,
      });
    for (
      const [what, res] of [
        ["a declared photo", await put("image/png", new Uint8Array(1001))],
        ["a chunked photo", await put("image/png", chunked(1100))],
        ["declared JSON", await put("application/json", new Uint8Array(1024 * 1024 + 1))],
        ["chunked JSON", await put("application/json", chunked(1024 * 1024 + 100))],
      ] as const
    ) {
      assert.equal(res.status, 413, what);
      assert.equal(res.headers.get("content-type"), "application/problem+json", what);
      await res.body?.cancel();
    }
    assert.equal(listings.seen.length, 0, "nothing reached the upstream");
    const small = await put("image/png", chunked(1000));
    assert.equal(small.status, 200);
    await small.body?.cancel();
    assert.equal(
      listings.seen[0].body.length,
      1000,
      "a chunked body within the limit goes on whole",
    );
  },
);
