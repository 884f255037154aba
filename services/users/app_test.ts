import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import {
  createMetrics,
  type Envelope,
  IDEMPOTENCY_BUCKET,
  silentLogger,
  type Sql,
} from "@flotilla/backbone";
import { fleetCatalog, type UserSnapshot } from "@flotilla/contracts";
import { integration, jsonCaller, testEnv, testIdentity } from "@flotilla/testkit";
import { createApp } from "./app.ts";

async function setup(env: Awaited<ReturnType<typeof testEnv>>) {
  await env.provision(fleetCatalog);
  await env.migrate("users");
  const nc = await env.connect();
  const sql = env.sql();
  const app = createApp({
    identity: await testIdentity.verifier("users"),
    service: "users",
    logger: silentLogger,
    metrics: createMetrics("users", { process: false }),
    sql,
    catalog: fleetCatalog,
    idempotencyKv: await new Kvm(nc).open(IDEMPOTENCY_BUCKET),
  });
  const call = jsonCaller(app, "users");
  return { app, sql, call };
}

/** The events waiting in the outbox (no relay runs in these tests), oldest first. */
async function outbox(sql: Sql): Promise<Envelope<Record<string, unknown>>[]> {
  const rows = await sql<{ payload: string }[]>`select payload from outbox order by seq`;
  return rows.map((r) => JSON.parse(r.payload));
}

integration(
  "a created user is readable and announced with user.created and an audit event in the same transaction",
  async () => {
    await using env = await testEnv();
    const { sql, call } = await setup(env);
    const res = await call("POST", "/api/v1/users", { name: "  Ada  " }, {}, {
      type: "user",
      id: "admin-1",
    });
    assert.equal(res.status, 201);
    const { result, user } = await res.json() as { result: boolean; user: UserSnapshot };
    assert.equal(result, true);
    assert.equal(user.name, "Ada");
    assert.equal(user.version, 1);
    assert.ok(Math.abs(user.created_at - Date.now() * 1000) < 60_000_000, "microseconds");
    assert.equal(res.headers.get("location"), `/api/v1/users/${user.id}`);

    const got = await call("GET", `/api/v1/users/${user.id}`);
    assert.deepEqual(await got.json(), { result: true, user });

    const events = await outbox(sql);
    assert.deepEqual(events.map((e) => e.type), ["user.created", "audit.recorded"]);
    assert.deepEqual(events[0].data, user);
    assert.equal(events[0].subject, String(user.id));
    const audit = events[1].data as { action: string; actor: { id: string; type: string } };
    assert.equal(audit.action, "user.created");
    assert.deepEqual([audit.actor.type, audit.actor.id], ["user", "admin-1"]);
    assert.equal(events[1].correlation_id, events[0].correlation_id);
  },
);

integration(
  "a rename bumps the version and emits user.updated; the same name emits nothing",
  async () => {
    await using env = await testEnv();
    const { sql, call } = await setup(env);
    const { user } = await (await call("POST", "/api/v1/users", { name: "Ada" })).json();
    const renamed = await call("PATCH", `/api/v1/users/${user.id}`, { name: "Ada Lovelace" });
    assert.equal(renamed.status, 200);
    const after = (await renamed.json()).user as UserSnapshot;
    assert.equal(after.name, "Ada Lovelace");
    assert.equal(after.version, 2);
    assert.ok(after.updated_at >= user.updated_at);
    assert.equal(after.created_at, user.created_at);

    const same = await call("PATCH", `/api/v1/users/${user.id}`, { name: "Ada Lovelace" });
    assert.equal((await same.json()).user.version, 2);
    const events = await outbox(sql);
    assert.deepEqual(events.map((e) => e.type), [
      "user.created",
      "audit.recorded",
      "user.updated",
      "audit.recorded",
    ]);
    assert.deepEqual(events[2].data, after);
    const audit = events[3].data as { changes: { before: { name: string } } };
    assert.equal(audit.changes.before.name, "Ada");
  },
);

integration(
  "unknown users give 404 problem+json, bad input 400 naming the field, and pages are newest first",
  async () => {
    await using env = await testEnv();
    const { sql, call } = await setup(env);
    const missing = await call("GET", "/api/v1/users/999");
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-type"), "application/problem+json");
    assert.equal((await missing.json()).error, "User 999 not found");
    assert.equal((await call("PATCH", "/api/v1/users/999", { name: "x" })).status, 404);

    const blank = await call("POST", "/api/v1/users", { name: " " });
    assert.equal(blank.status, 400);
    assert.equal((await blank.json()).errors[0].path, "name");
    const noName = await call("POST", "/api/v1/users", {});
    assert.equal(noName.status, 400);
    assert.equal((await call("GET", "/api/v1/users/abc")).status, 400);
    assert.equal((await outbox(sql)).length, 0, "nothing emitted for refused requests");

    for (const name of ["a", "b", "c"]) await call("POST", "/api/v1/users", { name });
    const page1 = await (await call("GET", "/api/v1/users?page_num=1&page_size=2")).json();
    assert.deepEqual(page1.users.map((u: UserSnapshot) => u.name), ["c", "b"]);
    const page2 = await (await call("GET", "/api/v1/users?page_num=2&page_size=2")).json();
    assert.deepEqual(page2.users.map((u: UserSnapshot) => u.name), ["a"]);
    assert.equal((await call("GET", "/api/v1/users?page_size=1000")).status, 400);
  },
);

integration(
  "a POST retried with the same Idempotency-Key creates one user and one event",
  async () => {
    await using env = await testEnv();
    const { sql, call } = await setup(env);
    const first = await call("POST", "/api/v1/users", { name: "Ada" }, { "idempotency-key": "k1" });
    const again = await call("POST", "/api/v1/users", { name: "Ada" }, { "idempotency-key": "k1" });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await again.json(), await first.json());
    const other = await call("POST", "/api/v1/users", { name: "Bob" }, { "idempotency-key": "k1" });
    assert.equal(other.status, 422);
    const [{ n }] = await sql`select count(*)::int as n from users`;
    assert.equal(n, 1);
    assert.equal((await outbox(sql)).filter((e) => e.type === "user.created").length, 1);
  },
);
