import assert from "node:assert/strict";
import { integration, testEnv, testIdentity } from "@flotilla/testkit";
import { createMetrics, silentLogger } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { FakeClock } from "./testing.ts";

async function setup() {
  const env = await testEnv();
  await env.migrate("mailer");
  const sql = env.sql();
  let wakes = 0;
  const app = createApp({
    identity: await testIdentity.verifier("mailer"),
    service: "mailer",
    logger: silentLogger,
    metrics: createMetrics("mailer", { process: false }),
    sql,
    catalog: fleetCatalog,
    clock: new FakeClock("2026-01-15T07:00:00Z"),
    wakeScheduler: () => wakes++,
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await testIdentity.request(app, "mailer")(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get("content-type") ?? "",
      body: text ? JSON.parse(text) : undefined,
    };
  };
  return { env, sql, call, wakes: () => wakes };
}

const fields = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

const mailing = {
  start_at: "2026-01-15T09:00:00Z",
  end_at: "2026-01-15T18:00:00+03:00",
  text: "Hi",
  filter: { operator_codes: ["900"] },
};

integration("bad client input is a 400 problem naming the field", async () => {
  const { env, call } = await setup();
  await using _ = env;
  const cases: [unknown, string][] = [
    [{ phone: "89001234567", timezone: "Europe/Moscow" }, "phone"],
    [{ phone: "7900123456", timezone: "Europe/Moscow" }, "phone"],
    [{ phone: "+79001234567", timezone: "Europe/Moscow" }, "phone"],
    [{ phone: "79001234567", timezone: "Mars/Olympus" }, "timezone"],
    [{ phone: "79001234567" }, "timezone"],
    [{ phone: "79001234567", timezone: "UTC", operator_code: "9a0" }, "operator_code"],
  ];
  for (const [body, field] of cases) {
    const res = await call("POST", "/api/v1/clients", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.type, "application/problem+json");
    assert.deepEqual(fields(res.body), [field], JSON.stringify(res.body));
  }
});

integration("clients: create (operator code from the phone), read, change, delete", async () => {
  const { env, call } = await setup();
  await using _ = env;
  const created = await call("POST", "/api/v1/clients", {
    phone: 79161234567,
    tag: "vip",
    timezone: "Europe/Moscow",
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.phone, "79161234567");
  assert.equal(created.body.operator_code, "916");
  const dup = await call("POST", "/api/v1/clients", {
    phone: "79161234567",
    timezone: "UTC",
  });
  assert.equal(dup.status, 409);
  const id = created.body.id;
  const changed = await call("PATCH", `/api/v1/clients/${id}`, { phone: "79031234567" });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.operator_code, "903", "a new phone derives a new code");
  assert.equal(changed.body.tag, "vip");
  assert.equal((await call("PATCH", `/api/v1/clients/${id}`, { timezone: "Nowhere" })).status, 400);
  assert.equal((await call("GET", `/api/v1/clients/${id}`)).body.phone, "79031234567");
  assert.equal((await call("GET", "/api/v1/clients")).body.length, 1);
  assert.equal((await call("DELETE", `/api/v1/clients/${id}`)).status, 204);
  assert.equal((await call("GET", `/api/v1/clients/${id}`)).status, 404);
});

integration("bad mailing input is a 400 problem naming the field", async () => {
  const { env, call } = await setup();
  await using _ = env;
  const cases: [unknown, string][] = [
    [{ ...mailing, end_at: "2026-01-15T08:00:00Z" }, "end_at"],
    [{ ...mailing, end_at: mailing.start_at }, "end_at"],
    [{ ...mailing, filter: {} }, "filter"],
    [{ ...mailing, filter: { operator_codes: [], tags: [] } }, "filter"],
    [{ ...mailing, filter: { operator_codes: ["9000"] } }, "filter.operator_codes.0"],
    [{ ...mailing, start_at: "tomorrow" }, "start_at"],
    [{ ...mailing, text: "" }, "text"],
    [{ ...mailing, send_window: { start: "9", end: "21:00" } }, "send_window.start"],
    [{ ...mailing, send_window: { start: "09:00", end: "09:00" } }, "send_window.end"],
  ];
  for (const [body, field] of cases) {
    const res = await call("POST", "/api/v1/mailings", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.type, "application/problem+json");
    assert.deepEqual(fields(res.body), [field], JSON.stringify(res.body));
  }
});

integration(
  "mailings: create wakes the scheduler, change is checked as a whole, stats, delete",
  async () => {
    const { env, call, wakes } = await setup();
    await using _ = env;
    const created = await call("POST", "/api/v1/mailings", {
      ...mailing,
      send_window: { start: "09:00", end: "21:00" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.state, "scheduled");
    assert.equal(created.body.end_at, "2026-01-15T15:00:00.000Z");
    assert.deepEqual(created.body.filter, { operator_codes: ["900"], tags: [] });
    assert.deepEqual(created.body.send_window, { start: "09:00", end: "21:00" });
    assert.equal(wakes(), 1);
    const id = created.body.id;
    const bad = await call("PATCH", `/api/v1/mailings/${id}`, { end_at: "2026-01-15T08:00:00Z" });
    assert.equal(bad.status, 400);
    assert.deepEqual(fields(bad.body), ["end_at"]);
    const ok = await call("PATCH", `/api/v1/mailings/${id}`, { text: "new", send_window: null });
    assert.equal(ok.body.text, "new");
    assert.equal(ok.body.send_window, null);
    const all = await call("GET", "/api/v1/mailings/stats");
    assert.equal(all.status, 200);
    assert.deepEqual(all.body[0].stats, {
      total: 0,
      pending: 0,
      sent: 0,
      failed: 0,
      deferred: 0,
      expired: 0,
    });
    const one = await call("GET", `/api/v1/mailings/${id}/stats`);
    assert.equal(one.body.mailing.id, id);
    assert.deepEqual(one.body.messages, []);
    assert.equal((await call("DELETE", `/api/v1/mailings/${id}`)).status, 204);
    assert.equal((await call("GET", `/api/v1/mailings/${id}`)).status, 404);
    assert.equal((await call("GET", "/api/v1/mailings")).body.length, 0);
    const docs = await call("GET", "/openapi.json");
    assert.ok(docs.body.paths["/api/v1/mailings/{id}/stats"]);
  },
);

integration(
  "every client and mailing change writes its audit record; a refused one none",
  async () => {
    const { env, sql, call } = await setup();
    await using _ = env;
    const client = await call("POST", "/api/v1/clients", { phone: 79161234567, timezone: "UTC" });
    assert.equal((await call("POST", "/api/v1/clients", client.body)).status, 409);
    await call("PATCH", `/api/v1/clients/${client.body.id}`, { tag: "vip" });
    await call("DELETE", `/api/v1/clients/${client.body.id}`);
    const created = await call("POST", "/api/v1/mailings", mailing);
    await call("PATCH", `/api/v1/mailings/${created.body.id}`, { text: "new" });
    await call("DELETE", `/api/v1/mailings/${created.body.id}`);
    const rows = await sql<{ payload: string }[]>`select payload from outbox order by seq`;
    const audits = rows.map((r) => JSON.parse(r.payload)).filter((e) =>
      e.type === "audit.recorded"
    );
    assert.deepEqual(
      audits.map((e) => [
        e.subject,
        e.data.action,
        e.data.changes.before?.tag ?? e.data.changes.before?.text ?? null,
        e.data.changes.after?.tag ?? e.data.changes.after?.text ?? null,
      ]),
      [
        [`client:${client.body.id}`, "client.created", null, ""],
        [`client:${client.body.id}`, "client.updated", "", "vip"],
        [`client:${client.body.id}`, "client.deleted", "vip", null],
        [`mailing:${created.body.id}`, "mailing.created", null, "Hi"],
        [`mailing:${created.body.id}`, "mailing.updated", "Hi", "new"],
        [`mailing:${created.body.id}`, "mailing.deleted", "new", null],
      ],
    );
    assert.ok(
      audits.every((e) =>
        e.source === "mailer" && e.data.actor.type === "service" && e.data.actor.id === "test"
      ),
      "the actor is the token's principal",
    );
  },
);
