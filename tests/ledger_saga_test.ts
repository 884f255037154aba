/** The transfer saga end to end: both services as processes, real NATS and Postgres. */
import assert from "node:assert/strict";
import { integration, testEnv, testIdentity } from "@flotilla/testkit";
import { pool, startLedgerFleet } from "@flotilla/accounts/testing";

const accountsApi = testIdentity.fetch("accounts");
const transactionsApi = testIdentity.fetch("transactions");

integration(
  "transfers settle complete or failed; money is conserved and no balance goes negative",
  async () => {
    await using env = await testEnv();
    const fleet = await startLedgerFleet(env);
    const ids = Array.from({ length: 20 }, (_, i) => i + 1);
    await fleet.openAccounts(Object.fromEntries(ids.map((id) => [id, "50.00"])));
    const before = await fleet.totals();
    assert.equal(before.sum, 20n * 5000n);

    // Random transfers, many too large for their source, some to an account that does not exist.
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const tasks = Array.from({ length: 300 }, (_, i) => async () => {
      const from = ids[rand(ids.length)];
      let to = ids[rand(ids.length)];
      if (to === from) to = from === 20 ? 1 : from + 1;
      if (i % 30 === 0) to = 999;
      const amount = `${rand(40)}.${String(rand(100)).padStart(2, "0")}`;
      if (amount === "0.00") return { status: 201, body: null };
      const res = await fleet.submit({
        source_account_id: from,
        destination_account_id: to,
        amount,
      });
      const body = await res.json();
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.equal(body.status, "pending");
      assert.equal(res.headers.get("location"), `/api/v1/transactions/${body.id}`);
      return { status: res.status, body, to };
    });
    const submitted = (await pool(32, tasks)).filter((s) => s.body);

    const counts = await fleet.settled();
    assert.equal((counts.complete ?? 0) + (counts.failed ?? 0), submitted.length);
    assert.ok((counts.complete ?? 0) > 50, `some transfers complete: ${JSON.stringify(counts)}`);
    assert.ok((counts.failed ?? 0) > 10, `some transfers fail: ${JSON.stringify(counts)}`);

    const after = await fleet.totals();
    assert.equal(after.sum, before.sum, "money is neither created nor destroyed");
    assert.ok(after.min >= 0n, "no balance below zero");
    await fleet.assertConsistent();

    // Failure reasons are recorded and readable through the API.
    const toMissing = submitted.find((s) => s.to === 999)!;
    const read = await (await transactionsApi(
      `${fleet.transactions.url}/api/v1/transactions/${toMissing.body.id}`,
    )).json();
    assert.equal(read.status, "failed");
    assert.equal(read.failure_reason, "account_not_found");
    const [poor] = await fleet.transactionsSql`
      select count(*)::int as n from transactions where failure_reason = 'insufficient_funds'`;
    assert.ok(poor.n > 0, "insufficient_funds is recorded");
  },
);

integration("200 concurrent transfers on the same two accounts lose no update", async () => {
  await using env = await testEnv();
  const fleet = await startLedgerFleet(env);
  await fleet.openAccounts({ 1: "1000.00", 2: "1000.00" });
  const tasks = Array.from({ length: 200 }, (_, i) => async () => {
    const res = await fleet.submit(
      i % 2 === 0
        ? { source_account_id: 1, destination_account_id: 2, amount: "3.01" }
        : { source_account_id: 2, destination_account_id: 1, amount: "1.00" },
    );
    assert.equal(res.status, 201);
    await res.body?.cancel();
  });
  await pool(200, tasks);
  const counts = await fleet.settled();
  assert.deepEqual(counts, { complete: 200 });
  const balances = await fleet.accountsSql<{ account_id: string; balance_cents: string }[]>`
    select account_id, balance_cents from accounts order by account_id`;
  // 100 × 3.01 out of account 1 and 100 × 1.00 back: exact, no update lost.
  assert.deepEqual(balances.map((b) => b.balance_cents), ["79900", "120100"]);
  const one = await (await accountsApi(`${fleet.accounts.url}/api/v1/accounts/1`)).json();
  assert.deepEqual(one, { account_id: 1, balance: "799.00" });
  await fleet.assertConsistent();
});

integration(
  "a duplicate submission with the same Idempotency-Key creates one transfer and moves money once",
  async () => {
    await using env = await testEnv();
    const fleet = await startLedgerFleet(env);
    await fleet.openAccounts({ 123: "100.50", 456: "0.00" });
    // Opening an account is idempotent with a key too: the retry replays the 201.
    const open = () =>
      accountsApi(`${fleet.accounts.url}/api/v1/accounts`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "open-789" },
        body: JSON.stringify({ account_id: 789, initial_balance: "1.00" }),
      });
    const [opened, retried] = [await open(), await open()];
    assert.deepEqual([opened.status, retried.status], [201, 201]);
    assert.equal(retried.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await retried.json(), await opened.json());

    const body = { source_account_id: 123, destination_account_id: 456, amount: "50.25" };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => fleet.submit(body, "client-key-1")),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    assert.deepEqual(responses.map((r) => r.status), [201, 201, 201, 201, 201]);
    assert.equal(new Set(bodies.map((b) => b.id)).size, 1, "one transaction id for all");

    const reused = await fleet.submit({ ...body, amount: "1.00" }, "client-key-1");
    assert.equal(reused.status, 422);
    await reused.body?.cancel();

    await fleet.settled();
    const [{ n }] = await fleet.transactionsSql`select count(*)::int as n from transactions`;
    assert.equal(n, 1);
    const source = await (await accountsApi(`${fleet.accounts.url}/api/v1/accounts/123`)).json();
    const destination = await (await accountsApi(`${fleet.accounts.url}/api/v1/accounts/456`))
      .json();
    assert.equal(source.balance, "50.25");
    assert.equal((await fleet.totals()).sum, 10150n);
    assert.equal(destination.balance, "50.25");
    const history = await (await accountsApi(`${fleet.accounts.url}/api/v1/accounts/123/postings`))
      .json();
    assert.deepEqual(history.items.map((p: { kind: string; amount: string }) => p.amount), [
      "100.50",
      "-50.25",
    ]);
  },
);

integration(
  "a reversal moves the money back and marks the original rollback, once",
  async () => {
    await using env = await testEnv();
    const fleet = await startLedgerFleet(env);
    await fleet.openAccounts({ 1: "10.00", 2: "0.00" });
    const tx = await (await fleet.submit({
      source_account_id: 1,
      destination_account_id: 2,
      amount: "4.00",
    })).json();
    const failing = await (await fleet.submit({
      source_account_id: 2,
      destination_account_id: 1,
      amount: "99.00",
    })).json();
    await fleet.settled();

    const url = (id: number) => `${fleet.transactions.url}/api/v1/transactions/${id}`;
    const reverse = (id: number) => transactionsApi(`${url(id)}/reversal`, { method: "POST" });
    const early = await reverse(failing.id);
    assert.equal(early.status, 409, "a failed transfer cannot be reversed");
    await early.body?.cancel();
    const missing = await reverse(424242);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    const res = await reverse(tx.id);
    const reversal = await res.json();
    assert.equal(res.status, 201, JSON.stringify(reversal));
    assert.equal(reversal.reversal_of, tx.id);
    assert.equal(reversal.source_account_id, 2);
    const twice = await reverse(tx.id);
    assert.equal(twice.status, 409, "one reversal at a time");
    await twice.body?.cancel();

    await fleet.settled();
    assert.equal((await (await transactionsApi(url(tx.id))).json()).status, "rollback");
    assert.equal((await (await transactionsApi(url(reversal.id))).json()).status, "complete");
    const again = await reverse(tx.id);
    assert.equal(again.status, 409, "a rolled-back transfer cannot be reversed again");
    await again.body?.cancel();
    const totals = await fleet.totals();
    assert.equal(totals.sum, 1000n);
    const one = await (await accountsApi(`${fleet.accounts.url}/api/v1/accounts/1`)).json();
    assert.equal(one.balance, "10.00");
    await fleet.assertConsistent();
  },
);
