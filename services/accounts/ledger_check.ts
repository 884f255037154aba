/**
 * The ledger check, for `deno task ledger-check`, the benchmark and the tests: runs the
 * queries of adapters/ledger_check.ts and says in lines what holds and what does not.
 */
import type { Queryable } from "@flotilla/backbone";
import { formatMoney } from "@flotilla/money";
import { checkLedger, crossCheck } from "./adapters/ledger_check.ts";

/** Runs every check; `ok` is false when any fails. */
export async function ledgerReport(
  accounts: Queryable,
  transactions?: Queryable,
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
