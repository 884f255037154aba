/** The saga rides out a Postgres outage: requests fail fast with 503, messages wait. */
import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { pool, startLedgerFleet } from "@flotilla/accounts/testing";

// The issue speaks of a 20 s outage; 3 s shows the same behaviour within the test budget.
const OUTAGE_MS = 3_000;

integration(
  "Postgres down mid-saga: submits get 503, nothing is lost, every transfer settles once",
  async () => {
    await using env = await testEnv({ ownPostgres: true });
    const fleet = await startLedgerFleet(env);
    const ids = Array.from({ length: 10 }, (_, i) => i + 1);
    await fleet.openAccounts(Object.fromEntries(ids.map((id) => [id, "20.00"])));
    const before = await fleet.totals();
    const transfer = (i: number) => ({
      source_account_id: ids[i % 10],
      destination_account_id: ids[(i + 3) % 10],
      amount: `${1 + (i % 5)}.25`,
    });
    await pool(
      16,
      Array.from({ length: 150 }, (_, i) => async () => {
        const res = await fleet.submit(transfer(i));
        assert.equal(res.status, 201);
        await res.body?.cancel();
      }),
    );

    await env.pg!.stop();
    const during = await fleet.submit(transfer(999));
    assert.equal(during.status, 503, "a submit while Postgres is down fails fast and says so");
    assert.equal((await during.json()).title, "Service unavailable");
    const ready = await fetch(`${fleet.accounts.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).checks.postgres, "down");
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await env.pg!.start();

    const t0 = Date.now();
    const counts = await fleet.settled(40_000);
    console.log(`settled ${Date.now() - t0} ms after Postgres came back`);
    console.log(
      (fleet.accounts.output() + fleet.transactions.output()).split("\n").filter((l) =>
        /closed socket/.test(l)
      ).length,
      "socket-race warnings",
    );
    assert.equal((counts.complete ?? 0) + (counts.failed ?? 0), 150, JSON.stringify(counts));
    const after = await fleet.totals();
    assert.equal(after.sum, before.sum, "money is neither created nor destroyed");
    assert.ok(after.min >= 0n);
    await fleet.assertConsistent();
  },
);
