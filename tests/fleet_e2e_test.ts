/**
 * Across services, through the gateway with an API key: accounts and a transfer saga, every
 * change landing in the audit log with who (the key, whatever headers claim), what and from
 * where, and the chain verifying.
 */
import assert from "node:assert/strict";
import { createTestKey, eventually, integration, spawnService, testEnv } from "@flotilla/testkit";

integration(
  "through the gateway: accounts, a transfer saga, and every change in the audit log",
  async () => {
    await using env = await testEnv();
    const dbUrl = async () => env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
    const quiet = { LOG_LEVEL: "warn" };
    const [accounts, transactions, auditlog] = await Promise.all([
      spawnService(env, {
        main: "services/accounts/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
      spawnService(env, {
        main: "services/transactions/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
      spawnService(env, {
        main: "services/auditlog/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
    ]);
    const gateway = await spawnService(env, {
      main: "services/gateway/main.ts",
      env: {
        ...quiet,
        UPSTREAM_ACCOUNTS: accounts.url,
        UPSTREAM_TRANSACTIONS: transactions.url,
        UPSTREAM_AUDITLOG: auditlog.url,
      },
    });
    const { key, id } = await createTestKey(env, { name: "alice's integration" });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${gateway.url}/api/v1${path}`, {
        ...init,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${key}`,
          // Claims a client could always write; the audit log must not believe them.
          "x-user-id": "mallory",
          "x-forwarded-for": "6.6.6.6",
          "user-agent": "fleet-e2e",
          ...init.headers,
        },
      });

    for (const [id, balance] of [[9001, "100.00"], [9002, "0.00"]] as const) {
      const res = await api("/accounts", {
        method: "POST",
        body: JSON.stringify({ account_id: id, initial_balance: balance }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      assert.deepEqual(await res.json(), { account_id: id, balance });
    }
    const bad = await api("/accounts", {
      method: "POST",
      body: JSON.stringify({ account_id: -1, initial_balance: "1.005" }),
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("content-type"), "application/problem+json");

    const submit = () =>
      api("/transactions", {
        method: "POST",
        headers: { "idempotency-key": "e2e-transfer-1" },
        body: JSON.stringify({
          source_account_id: 9001,
          destination_account_id: 9002,
          amount: "25.50",
        }),
      });
    const created = await submit();
    assert.equal(created.status, 201, await created.clone().text());
    const transfer = await created.json();
    assert.equal(transfer.status, "pending");
    const replay = await submit();
    assert.equal(
      (await replay.json()).id,
      transfer.id,
      "the retried submission is the same transfer",
    );

    const done = await eventually("transfer complete", async () => {
      const t = await (await api(`/transactions/${transfer.id}`)).json();
      return t.status === "complete" ? t : undefined;
    }, 30_000);
    assert.equal(done.amount, "25.50");
    assert.equal((await (await api("/accounts/9001")).json()).balance, "74.50");
    assert.equal((await (await api("/accounts/9002")).json()).balance, "25.50");

    const created9001 = await eventually("account.created audited", async () => {
      const page =
        await (await api("/audit-logs?target_type=account&target_id=9001&action=account.created"))
          .json();
      return page.data?.[0];
    }, 30_000);
    assert.deepEqual(created9001.actor, {
      type: "service",
      id: `key:${id}`,
      ip: "127.0.0.1",
      user_agent: "fleet-e2e",
    });
    assert.equal(created9001.service, "accounts");
    assert.equal(created9001.changes.after.balance, "100.00");

    const byAlice = await eventually("the transfer's changes audited", async () => {
      const page = await (await api(`/audit-logs?actor_id=key:${id}&limit=100`)).json();
      const actions = new Set(page.data.map((r: { action: string }) => r.action));
      return actions.size >= 2 &&
          page.data.some((r: { service: string }) => r.service === "transactions")
        ? page.data
        : undefined;
    }, 30_000);
    assert.ok(byAlice.length >= 3, "two accounts and a transfer, at least");
    const mallory = await (await api("/audit-logs?actor_id=mallory")).json();
    assert.deepEqual(mallory.data, [], "the forged x-user-id is nobody's actor");
    const verify = await (await api("/audit-logs/verify")).json();
    assert.equal(verify.ok, true);
    assert.ok(verify.rows_checked >= byAlice.length);
  },
);
