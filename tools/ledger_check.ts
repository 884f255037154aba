/**
 * `deno task ledger-check`: proves the ledger. In the accounts database every balance equals
 * the sum of its postings, none is negative, every applied transfer is one debit and one
 * equal credit, and the total equals the money opened with. With the transactions database
 * too, every transaction is settled the way the ledger decided it (none left pending).
 *
 *   ACCOUNTS_DATABASE_URL      default postgres://postgres@127.0.0.1:5432/accounts
 *   TRANSACTIONS_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/transactions
 *                              ("none" skips the cross-check)
 * Exits 1 when anything is wrong. The benchmark imports `ledgerReport` from here.
 */
import { z } from "zod";
import { connectPostgres, loadConfig, type Sql } from "@flotilla/backbone";
import { checkLedger } from "../services/accounts/adapters/accounts_repo.ts";
import { formatMoney } from "@flotilla/money";

export interface CrossCheck {
  transactions: number;
  pending: number;
  /** Transactions the ledger never decided, or recorded with another outcome. */
  disagreements: { id: number; recorded: string; ledger: string | null }[];
  /** Ledger decisions with no transaction row. */
  orphans: number;
}

/** Compares every transaction's recorded status with the ledger's decision. */
export async function crossCheck(accounts: Sql, transactions: Sql): Promise<CrossCheck> {
  const decided = await accounts<{ id: string; status: string }[]>`
    select transaction_id as id, status from transfers`;
  const recorded = await transactions<{ id: string; status: string }[]>`
    select id, status from transactions`;
  const ledger = new Map(decided.map((d) => [d.id, d.status]));
  const disagreements: CrossCheck["disagreements"] = [];
  let pending = 0;
  for (const r of recorded) {
    const l = ledger.get(r.id) ?? null;
    ledger.delete(r.id);
    if (r.status === "pending") {
      pending++;
      continue;
    }
    const agrees = l === "completed"
      ? r.status === "complete" || r.status === "rollback"
      : l === "failed" && r.status === "failed";
    if (!agrees) disagreements.push({ id: Number(r.id), recorded: r.status, ledger: l });
  }
  return { transactions: recorded.length, pending, disagreements, orphans: ledger.size };
}

/** Runs every check; `ok` is false when any fails. */
export async function ledgerReport(
  accounts: Sql,
  transactions?: Sql,
): Promise<{ ok: boolean; lines: string[] }> {
  const r = await checkLedger(accounts);
  const lines = [
    `accounts: ${r.accounts}, total balance ${formatMoney(r.totalBalance)}, opened with ${
      formatMoney(r.totalOpening)
    } → ${r.totalBalance === r.totalOpening ? "money conserved" : "MONEY NOT CONSERVED"}`,
    `balance = sum of postings: ${
      r.mismatches.length === 0 ? "yes, for every account" : `NO for ${r.mismatches.length}`
    }`,
    ...r.mismatches.slice(0, 10).map((m) =>
      `  account ${m.accountId}: balance ${formatMoney(m.balance)}, postings ${
        formatMoney(m.postingsSum)
      }`
    ),
    `negative balances: ${r.negative.length === 0 ? "none" : r.negative.join(", ")}`,
    `transfers that are not one debit + one equal credit: ${
      r.unbalancedTransfers.length === 0 ? "none" : r.unbalancedTransfers.join(", ")
    }`,
  ];
  let ok = r.ok;
  if (transactions) {
    const x = await crossCheck(accounts, transactions);
    ok &&= x.pending === 0 && x.disagreements.length === 0 && x.orphans === 0;
    lines.push(
      `transactions: ${x.transactions}, pending ${x.pending}, disagreeing with the ledger ${x.disagreements.length}, ledger decisions without a transaction ${x.orphans}`,
      ...x.disagreements.slice(0, 10).map((d) =>
        `  transaction ${d.id}: recorded ${d.recorded}, ledger ${d.ledger ?? "never saw it"}`
      ),
    );
  }
  lines.push(ok ? "LEDGER OK" : "LEDGER INCONSISTENT");
  return { ok, lines };
}

if (import.meta.main) {
  const config = loadConfig({
    ACCOUNTS_DATABASE_URL: z.string().default("postgres://postgres@127.0.0.1:5432/accounts"),
    TRANSACTIONS_DATABASE_URL: z.string().default(
      "postgres://postgres@127.0.0.1:5432/transactions",
    ),
  });
  const accounts = connectPostgres({
    url: config.ACCOUNTS_DATABASE_URL,
    name: "ledger-check",
    max: 2,
  });
  const transactions = config.TRANSACTIONS_DATABASE_URL === "none"
    ? undefined
    : connectPostgres({ url: config.TRANSACTIONS_DATABASE_URL, name: "ledger-check", max: 2 });
  try {
    const { ok, lines } = await ledgerReport(accounts, transactions);
    for (const line of lines) console.log(line);
    Deno.exitCode = ok ? 0 : 1;
  } catch (err) {
    console.error(`ledger-check failed: ${err instanceof Error ? err.message : err}`);
    Deno.exitCode = 2;
  } finally {
    await accounts.end({ timeout: 1 });
    await transactions?.end({ timeout: 1 });
  }
}
