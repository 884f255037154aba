/**
 * `deno task ledger-check`: proves the ledger (see @flotilla/accounts/ledger-check). In the
 * accounts database every balance equals the sum of its postings, none is negative, every
 * applied transfer is one debit and one equal credit, and the total equals the money opened
 * with. With the transactions database too, every transaction is settled the way the ledger
 * decided it (none left pending).
 *
 *   ACCOUNTS_DATABASE_URL      default postgres://postgres@127.0.0.1:5432/accounts
 *   TRANSACTIONS_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/transactions
 *                              ("none" skips the cross-check)
 * as the superuser (DATABASE_PASSWORD_FILE, or dev's; tools/admin.ts).
 * Exits 1 when anything is wrong.
 */
import { z } from "zod";
import { loadConfig } from "@flotilla/backbone";
import { ledgerReport } from "@flotilla/accounts/ledger-check";
import { adminPostgres } from "./admin.ts";

/** The benchmark reads its report from here. */
export { ledgerReport };

if (import.meta.main) {
  const config = loadConfig({
    ACCOUNTS_DATABASE_URL: z.string().default("postgres://postgres@127.0.0.1:5432/accounts"),
    TRANSACTIONS_DATABASE_URL: z.string().default(
      "postgres://postgres@127.0.0.1:5432/transactions",
    ),
  });
  const accounts = adminPostgres("ledger-check", { url: config.ACCOUNTS_DATABASE_URL });
  const transactions = config.TRANSACTIONS_DATABASE_URL === "none"
    ? undefined
    : adminPostgres("ledger-check", { url: config.TRANSACTIONS_DATABASE_URL });
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
