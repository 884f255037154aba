/**
 * Test support for the ledger and the transfer saga. `startLedgerFleet` runs the accounts and
 * transactions services as child processes (so a test can SIGKILL them) on one test env, each
 * with its own database, and gives the helpers the saga tests share: open accounts, submit
 * transfers, wait until they settle, read totals, and check the ledger across both databases.
 * It lives here, with the ledger check it runs: a service never imports another.
 */
import assert from "node:assert/strict";
import { connectPostgres, type Sql } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import {
  eventually,
  type ServiceProcess,
  spawnService,
  type TestEnv,
  testIdentity,
} from "@flotilla/testkit";
import { ledgerReport } from "./ledger_check.ts";

/** Inserts an account and its opening posting, without the events (a bare ledger). */
export { insertAccount } from "./adapters/accounts_repo.ts";
export { applyTransfersHandler } from "./consumers.ts";

export interface LedgerFleet {
  accounts: ServiceProcess;
  transactions: ServiceProcess;
  accountsSql: Sql;
  transactionsSql: Sql;
  openAccounts(balances: Record<number, string>): Promise<void>;
  submit(
    body: { source_account_id: number; destination_account_id: number; amount: string },
    idempotencyKey?: string,
  ): Promise<Response>;
  /** Waits until no transaction is pending; returns the count of each status. */
  settled(timeoutMs?: number): Promise<Record<string, number>>;
  /** Sum and minimum of all balances, in cents. */
  totals(): Promise<{ sum: bigint; min: bigint; accounts: number }>;
  /** Asserts the ledger check passes and both services agree on every transfer's outcome. */
  assertConsistent(): Promise<void>;
}

export async function startLedgerFleet(
  env: TestEnv,
  extraEnv: Record<string, string> = {},
): Promise<LedgerFleet> {
  await env.provision(fleetCatalog);
  const transactionsDb = await env.createDatabase();
  const transactionsUrl = env.databaseUrl.replace(/\/[^/]*$/, `/${transactionsDb}`);
  const [accounts, transactions] = await Promise.all([
    spawnService(env, {
      main: "services/accounts/main.ts",
      env: { DATABASE_URL: env.databaseUrl, LOG_LEVEL: "warn", ...extraEnv },
      readyPath: "/readyz",
    }),
    spawnService(env, {
      main: "services/transactions/main.ts",
      env: { DATABASE_URL: transactionsUrl, LOG_LEVEL: "warn", ...extraEnv },
      readyPath: "/readyz",
    }),
  ]);
  const accountsSql = env.sql(4);
  const transactionsSql = connectPostgres({
    url: transactionsUrl,
    name: "test",
    max: 4,
  });
  env.defer(() => transactionsSql.end({ timeout: 1 }));

  const post = (service: "accounts" | "transactions", url: string, body: unknown, key?: string) =>
    testIdentity.fetch(service)(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(key ? { "idempotency-key": key } : {}),
      },
      body: JSON.stringify(body),
    });

  const fleet: LedgerFleet = {
    accounts,
    transactions,
    accountsSql,
    transactionsSql,
    async openAccounts(balances) {
      for (const [id, balance] of Object.entries(balances)) {
        const res = await post("accounts", `${accounts.url}/api/v1/accounts`, {
          account_id: Number(id),
          initial_balance: balance,
        });
        assert.equal(res.status, 201, await res.text());
      }
    },
    submit: (body, key) =>
      post("transactions", `${transactions.url}/api/v1/transactions`, body, key),
    async settled(timeoutMs = 30_000) {
      await eventually("every transaction to settle", async () => {
        const [{ n }] = await transactionsSql<{ n: number }[]>`
          select count(*)::int as n from transactions where status = 'pending'`;
        return n === 0;
      }, timeoutMs);
      const rows = await transactionsSql<{ status: string; n: number }[]>`
        select status, count(*)::int as n from transactions group by status`;
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    async totals() {
      const [row] = await accountsSql<{ sum: string; min: string; n: number }[]>`
        select coalesce(sum(balance_cents), 0)::text as sum,
               coalesce(min(balance_cents), 0)::text as min, count(*)::int as n
        from accounts`;
      return { sum: BigInt(row.sum), min: BigInt(row.min), accounts: row.n };
    },
    async assertConsistent() {
      const res = await testIdentity.fetch("accounts")(
        `${accounts.url}/api/v1/accounts/ledger-check`,
      );
      const report = await res.json();
      assert.equal(res.status, 200, JSON.stringify(report));
      assert.equal(report.ok, true);
      // What the ledger decided and what transactions recorded agree, transfer by transfer.
      const { ok, lines } = await ledgerReport(accountsSql, transactionsSql);
      assert.ok(ok, lines.join("\n"));
      const decided = await accountsSql<{ status: string }[]>`select status from transfers`;
      const [{ legs }] = await accountsSql<{ legs: number }[]>`
        select count(*)::int as legs from postings where transaction_id is not null`;
      const completed = decided.filter((d) => d.status === "completed").length;
      assert.equal(legs, completed * 2, "one debit and one credit per applied transfer");
    },
  };
  return fleet;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }));
  return results;
}
