import assert from "node:assert/strict";
import { createMetrics, silentLogger } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { integration, testEnv, testIdentity } from "@flotilla/testkit";
import { createApp } from "./app.ts";

async function setup() {
  const env = await testEnv();
  await env.migrate("accounts");
  const sql = env.sql();
  const service = createApp({
    identity: await testIdentity.verifier("accounts"),
    service: "accounts",
    sql,
    catalog: fleetCatalog,
    logger: silentLogger,
    metrics: createMetrics("accounts-test"),
  });
  const app = { request: testIdentity.request(service, "accounts") };
  const post = (body: unknown) =>
    app.request("/api/v1/accounts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return { env, sql, app, post };
}

integration("accounts keep the original API: create, read, conflict, exact money", async () => {
  const { env, sql, app, post } = await setup();
  await using _ = env;

  const created = await post({ account_id: 123, initial_balance: "100.50" });
  assert.equal(created.status, 201);
  assert.deepEqual(await created.json(), { account_id: 123, balance: "100.50" });
  assert.equal(created.headers.get("location"), "/api/v1/accounts/123");

  const short = await post({ account_id: 456, initial_balance: "7.5" });
  assert.deepEqual(await short.json(), { account_id: 456, balance: "7.50" });

  const again = await post({ account_id: 123, initial_balance: "1.00" });
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error, "account already exists");

  const read = await app.request("/api/v1/accounts/123");
  assert.deepEqual(await read.json(), { account_id: 123, balance: "100.50" });

  const missing = await app.request("/api/v1/accounts/999");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error, "account not found");

  const bad = await app.request("/api/v1/accounts/abc");
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, "invalid account ID");

  // The opening balance is a posting, and events wait in the outbox with the row.
  const [{ n }] = await sql`select count(*)::int as n from outbox`;
  assert.equal(n, 4, "account.created + audit.recorded per account");
  const doc = await (await app.request("/openapi.json")).json();
  assert.ok(doc.paths["/api/v1/accounts/{account_id}/postings"], "documented in /openapi.json");
  const check = await app.request("/api/v1/accounts/ledger-check");
  assert.equal(check.status, 200);
  const report = await check.json();
  assert.equal(report.ok, true);
  assert.equal(report.total_balance, "108.00");
});

integration(
  "account creation refuses bad ids and negative, malformed or over-precise money",
  async () => {
    const { env, sql, post } = await setup();
    await using _ = env;
    const cases: [unknown, string, string][] = [
      [{ account_id: 0, initial_balance: "1.00" }, "account_id", "invalid account ID"],
      [{ account_id: -5, initial_balance: "1.00" }, "account_id", "invalid account ID"],
      [{ account_id: 1.5, initial_balance: "1.00" }, "account_id", "invalid account ID"],
      [
        { account_id: 1, initial_balance: "-100.50" },
        "initial_balance",
        "amount cannot be negative",
      ],
      [
        { account_id: 1, initial_balance: "10.005" },
        "initial_balance",
        "amount must have at most two fraction digits",
      ],
      [{ account_id: 1, initial_balance: "ten" }, "initial_balance", "invalid amount format"],
      [{ account_id: 1, initial_balance: 10.5 }, "initial_balance", "invalid amount format"],
    ];
    for (const [body, field, error] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const doc = await res.json();
      assert.equal(doc.error, error, JSON.stringify(body));
      assert.equal(doc.errors[0].path, field);
    }
    const [{ n }] = await sql`select count(*)::int as n from accounts`;
    assert.equal(n, 0);
  },
);

integration("accounts list pages by keyset and postings show the opening balance", async () => {
  const { env, app, post } = await setup();
  await using _ = env;
  for (let id = 1; id <= 5; id++) await post({ account_id: id, initial_balance: `${id}.00` });
  const first = await (await app.request("/api/v1/accounts?limit=2")).json();
  assert.deepEqual(first.items.map((a: { account_id: number }) => a.account_id), [1, 2]);
  assert.equal(first.next_cursor, "2");
  const second = await (await app.request(`/api/v1/accounts?limit=2&after=${first.next_cursor}`))
    .json();
  assert.deepEqual(second.items.map((a: { account_id: number }) => a.account_id), [3, 4]);
  const history = await (await app.request("/api/v1/accounts/3/postings")).json();
  assert.equal(history.items.length, 1);
  assert.equal(history.items[0].kind, "opening");
  assert.equal(history.items[0].amount, "3.00");
  assert.equal((await app.request("/api/v1/accounts/77/postings")).status, 404);
});
