/** `deno task ledger-check` finds a tampered balance and a transfer with a missing leg. */
import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { ledgerReport } from "@flotilla/accounts/ledger-check";
import { insertAccount } from "@flotilla/accounts/testing";

integration("the ledger check passes a sound ledger and names what is wrong", async () => {
  await using env = await testEnv();
  await env.migrate("accounts");
  const sql = env.sql();
  await sql.begin(async (tx) => {
    await insertAccount(tx, 5, 1234n);
    await insertAccount(tx, 6, 0n);
  });
  assert.equal((await ledgerReport(sql)).ok, true);

  // A balance changed behind the journal's back.
  await sql`update accounts set balance_cents = 1 where account_id = 5`;
  const tampered = await ledgerReport(sql);
  assert.equal(tampered.ok, false);
  assert.ok(tampered.lines.includes("  account 5: balance 0.01, postings 12.34"));
  assert.ok(tampered.lines.some((l) => l.includes("MONEY NOT CONSERVED")));

  // A credit without its debit.
  await sql`update accounts set balance_cents = 1234 where account_id = 5`;
  await sql`update accounts set balance_cents = 100 where account_id = 6`;
  await sql`insert into postings (account_id, transaction_id, kind, amount_cents,
    balance_after_cents) values (6, 77, 'credit', 100, 100)`;
  const oneLeg = await ledgerReport(sql);
  assert.equal(oneLeg.ok, false);
  assert.ok(oneLeg.lines.some((l) => l.endsWith("credit: 77")), oneLeg.lines.join("\n"));
});
