import assert from "node:assert/strict";
import { createMetrics, silentLogger } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { integration, type TestEnv, testEnv, testIdentity } from "@flotilla/testkit";
import { createApp, type TransactionsDeps } from "./app.ts";

/** The app on a migrated test database (no ledger runs: nothing settles by itself). */
async function setup(env: TestEnv, options: Pick<TransactionsDeps, "admission"> = {}) {
  await env.migrate("transactions");
  const sql = env.sql();
  const service = createApp({
    identity: await testIdentity.verifier("transactions"),
    service: "transactions",
    sql,
    catalog: fleetCatalog,
    logger: silentLogger,
    metrics: createMetrics("transactions-test"),
    ...options,
  });
  return { sql, app: { request: testIdentity.request(service, "transactions") } };
}

integration("transactions keep the original API's validation and errors", async () => {
  await using env = await testEnv();
  const { sql, app } = await setup(env);
  const post = (body: unknown) =>
    app.request("/api/v1/transactions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const base = { source_account_id: 123, destination_account_id: 456, amount: "50.25" };
  const cases: [unknown, string, string][] = [
    [
      { ...base, destination_account_id: 123 },
      "destination_account_id",
      "source and destination accounts must be different",
    ],
    [{ ...base, amount: "-50.25" }, "amount", "amount cannot be negative"],
    [{ ...base, amount: "0.00" }, "amount", "amount must be positive"],
    [{ ...base, amount: "5.255" }, "amount", "amount must have at most two fraction digits"],
    [{ ...base, amount: "fifty" }, "amount", "invalid amount format"],
    [{ ...base, source_account_id: 0 }, "source_account_id", "invalid account ID"],
  ];
  for (const [body, field, error] of cases) {
    const res = await post(body);
    const doc = await res.json();
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(doc.error, error);
    assert.equal(doc.errors[0].path, field);
  }

  const created = await post(base);
  assert.equal(created.status, 201);
  const tx = await created.json();
  assert.equal(tx.status, "pending");
  assert.equal(tx.amount, "50.25");
  assert.equal(created.headers.get("location"), `/api/v1/transactions/${tx.id}`);
  // Written with its event in one transaction.
  const [{ n }] = await sql`select count(*)::int as n from outbox
    where subject = 'transaction.submitted'`;
  assert.equal(n, 1);

  const read = await (await app.request(`/api/v1/transactions/${tx.id}`)).json();
  assert.deepEqual(Object.keys(read).sort(), [
    "amount",
    "created_at",
    "destination_account_id",
    "failure_reason",
    "id",
    "reversal_of",
    "source_account_id",
    "status",
    "updated_at",
  ]);
  const bad = await app.request("/api/v1/transactions/abc");
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, "invalid transaction ID");
  const missing = await app.request("/api/v1/transactions/999");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error, "transaction not found");

  const doc = await (await app.request("/openapi.json")).json();
  assert.ok(doc.paths["/api/v1/transactions/{id}/reversal"], "documented in /openapi.json");
  const list = await (await app.request("/api/v1/transactions?account_id=456")).json();
  assert.deepEqual(list.items.map((t: { id: number }) => t.id), [tx.id]);
  const none = await (await app.request("/api/v1/transactions?account_id=9")).json();
  assert.equal(none.items.length, 0);
  const pending = await app.request(`/api/v1/transactions/${tx.id}/reversal`, { method: "POST" });
  assert.equal(pending.status, 409, "a pending transfer cannot be reversed");
});

integration(
  "submissions wait while the saga holds maxPending transfers, and are accepted anyway after maxWaitMs",
  async () => {
    await using env = await testEnv();
    const { sql, app } = await setup(env, { admission: { maxPending: 3, maxWaitMs: 1_500 } });
    const submit = async () => {
      const started = performance.now();
      const res = await app.request("/api/v1/transactions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source_account_id: 1, destination_account_id: 2, amount: "1.00" }),
      });
      const body = await res.json();
      return { status: res.status, id: body.id as number, ms: performance.now() - started };
    };
    const pending = async () =>
      (await sql`select count(*)::int as n from transactions where status = 'pending'`)[0].n;

    // No ledger runs here, so nothing settles unless the test settles it.
    const first = await Promise.all([submit(), submit(), submit()]);
    assert.deepEqual(first.map((r) => r.status), [201, 201, 201]);

    let fourthDone = false;
    const fourth = submit().finally(() => fourthDone = true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fourthDone, false, "the fourth waits: three are pending");
    assert.equal(await pending(), 3);
    const metrics = await (await app.request("/metrics")).text();
    assert.match(metrics, /^transfer_submissions_waiting\{[^}]*\} 1$/m);

    await sql`update transactions set status = 'complete' where id = ${first[0].id}`;
    const admitted = await fourth;
    assert.equal(admitted.status, 201);
    assert.ok(
      admitted.ms < 1_200,
      `admitted once one settled, not at the deadline: ${admitted.ms}`,
    );

    // Still three pending and nothing settles: the limit is soft, the fifth goes in late.
    const late = await submit();
    assert.equal(late.status, 201);
    assert.ok(late.ms >= 1_400, `waited for room until maxWaitMs: ${late.ms}`);
    assert.equal(await pending(), 4);
  },
);
