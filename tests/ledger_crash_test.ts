/** The saga survives SIGKILL of either service in the middle of a stream of transfers. */
import assert from "node:assert/strict";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { startLedgerFleet } from "@flotilla/accounts/testing";

integration(
  "SIGKILL of accounts, then of transactions, mid-saga: every transfer still ends once",
  async () => {
    await using env = await testEnv();
    const fleet = await startLedgerFleet(env);
    const ids = Array.from({ length: 20 }, (_, i) => i + 1);
    await fleet.openAccounts(Object.fromEntries(ids.map((id) => [id, "100.00"])));
    const before = await fleet.totals();

    let accepted = 0;
    let refused = 0;
    let stop = false;
    let n = 0;
    const client = async () => {
      while (!stop && n < 5_000) {
        const i = n++;
        const from = ids[i % 20];
        const to = ids[(i * 7 + 3) % 20] === from ? ids[(i + 1) % 20] : ids[(i * 7 + 3) % 20];
        try {
          const res = await fleet.submit({
            source_account_id: from,
            destination_account_id: to,
            amount: `${1 + (i % 30)}.${String(i % 100).padStart(2, "0")}`,
          });
          await res.body?.cancel();
          if (res.status === 201) accepted++;
        } catch {
          refused++; // transactions is down: this transfer was never accepted
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 16 }, client));
    const count = async () => {
      const [{ n }] = await fleet.transactionsSql<{ n: number }[]>`
        select count(*)::int as n from transactions`;
      return n;
    };

    await eventually("150 transfers submitted", async () => (await count()) >= 150);
    const [{ pending: pendingAtKill }] = await fleet.transactionsSql`
      select count(*)::int as pending from transactions where status = 'pending'`;
    await fleet.accounts.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    await fleet.accounts.restart();

    await eventually("350 transfers submitted", async () => (await count()) >= 350);
    await fleet.transactions.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    await fleet.transactions.restart();
    await eventually("450 transfers submitted", async () => (await count()) >= 450);
    stop = true;
    await clients;

    const counts = await fleet.settled(40_000);
    const total = await count();
    assert.ok(total >= accepted, `${total} rows, ${accepted} accepted`);
    assert.equal((counts.complete ?? 0) + (counts.failed ?? 0), total, JSON.stringify(counts));
    const after = await fleet.totals();
    assert.equal(after.sum, before.sum, "money is neither created nor destroyed");
    assert.ok(after.min >= 0n, "no balance below zero");
    await fleet.assertConsistent();
    console.log(
      `crash test: ${total} transfers (${JSON.stringify(counts)}), ${pendingAtKill} pending ` +
        `when accounts was killed, ${refused} refused while transactions was down`,
    );
  },
);
