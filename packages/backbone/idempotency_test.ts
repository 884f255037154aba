import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { integration, testCatalog, testEnv, testIdentity } from "@flotilla/testkit";
import { createHttpApp } from "./http/app.ts";
import { gatewayTokens } from "./http/auth.ts";
import type { Principal } from "./http/identity.ts";
import { idempotency, IDEMPOTENCY_BUCKET } from "./idempotency.ts";
import { silentLogger } from "./log.ts";
import { createMetrics } from "./metrics.ts";

async function setup(env: Awaited<ReturnType<typeof testEnv>>) {
  await env.provision(testCatalog);
  const nc = await env.connect();
  const kv = await new Kvm(nc).open(IDEMPOTENCY_BUCKET);
  const sql = env.sql();
  await sql`create table things (id serial primary key, name text not null)`;
  const app = createHttpApp({
    authenticator: gatewayTokens(await testIdentity.verifier("things")),
    service: "things",
    logger: silentLogger,
    metrics: createMetrics("things", { process: false }),
  });
  let failNext = false;
  app.use("/things", idempotency({ kv, service: "things" }));
  app.post("/things", async (c) => {
    const body = await c.req.json<{ name: string }>();
    await new Promise((r) => setTimeout(r, 50)); // long enough for duplicates to overlap
    if (failNext) {
      failNext = false;
      return c.json({ error: "boom" }, 500);
    }
    const [row] = await sql`insert into things (name) values (${body.name}) returning id`;
    return c.json({ id: row.id, name: body.name }, 201, { location: `/things/${row.id}` });
  });
  const postAs = (principal: Partial<Principal>, key: string | undefined, body: unknown) =>
    testIdentity.request(app, "things", principal)("/things", {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
      body: JSON.stringify(body),
    });
  const post = (key: string | undefined, body: unknown) => postAs({}, key, body);
  const count = async () => (await sql`select count(*)::int as n from things`)[0].n as number;
  return { post, postAs, count, kv, failNextRequest: () => failNext = true };
}

integration(
  "Idempotency-Key: a retry gets the stored response and creates nothing more",
  async () => {
    await using env = await testEnv();
    const { post, count } = await setup(env);
    const first = await post("key-1", { name: "a" });
    assert.equal(first.status, 201);
    const firstBody = await first.json();
    const again = await post("key-1", { name: "a" });
    assert.equal(again.status, 201);
    assert.deepEqual(await again.json(), firstBody);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.headers.get("location"), first.headers.get("location"));
    assert.equal(await count(), 1);
    // Without a key every POST creates.
    await post(undefined, { name: "a" });
    assert.equal(await count(), 2);
  },
);

integration(
  "Idempotency-Key reused with another body is refused with 422 and changes nothing",
  async () => {
    await using env = await testEnv();
    const { post, count } = await setup(env);
    await post("key-2", { name: "a" });
    const res = await post("key-2", { name: "b" });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const problem = await res.json();
    assert.equal(problem.errors[0].path, "Idempotency-Key");
    assert.equal(await count(), 1);
  },
);

integration("concurrent duplicates with one key have one effect and one answer", async () => {
  await using env = await testEnv();
  const { post, count } = await setup(env);
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => post("key-3", { name: "c" })),
  );
  const bodies = await Promise.all(responses.map((r) => r.text()));
  assert.ok(responses.every((r) => r.status === 201), responses.map((r) => r.status).join(","));
  assert.equal(new Set(bodies).size, 1);
  assert.equal(await count(), 1);
});

integration("a 5xx answer is not stored, so the client's retry runs again", async () => {
  await using env = await testEnv();
  const { post, count, failNextRequest } = await setup(env);
  failNextRequest();
  assert.equal((await post("key-4", { name: "d" })).status, 500);
  assert.equal(await count(), 0);
  const retry = await post("key-4", { name: "d" });
  assert.equal(retry.status, 201);
  assert.equal(await count(), 1);
});

integration("an invalid Idempotency-Key is a 400 naming the header", async () => {
  await using env = await testEnv();
  const { post } = await setup(env);
  const res = await post("x".repeat(300), { name: "e" });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).errors[0].path, "Idempotency-Key");
});

integration(
  "one principal's Idempotency-Key never replays another principal's response",
  async () => {
    await using env = await testEnv();
    const { postAs, count } = await setup(env);
    const alice = { type: "key" as const, id: "alice000key1" };
    const bob = { type: "key" as const, id: "bob00000key2" };
    const first = await postAs(alice, "same-key", { name: "a" });
    const other = await postAs(bob, "same-key", { name: "a" });
    assert.equal(other.status, 201);
    assert.equal(other.headers.get("idempotent-replayed"), null, "bob's request ran");
    assert.notEqual((await other.json()).id, (await first.json()).id);
    assert.equal(await count(), 2);
    const retry = await postAs(alice, "same-key", { name: "a" });
    assert.equal(retry.headers.get("idempotent-replayed"), "true", "alice's own retry replays");
    assert.equal(await count(), 2);
  },
);
