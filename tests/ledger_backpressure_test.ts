/**
 * Backpressure on submissions, with both services as processes: the saga never holds more than
 * TRANSFER_MAX_PENDING transfers while the ledger keeps up, and with the ledger stopped new
 * transfers are slowed to TRANSFER_ADMISSION_WAIT_MS, then accepted, and settle once it is back.
 */
import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { pool, startLedgerFleet } from "@flotilla/accounts/testing";

const LIMIT = 20;
const WAIT_MS = 1_500;

integration(
  "submissions wait for room in the saga, and with the ledger stopped they are slowed, not refused",
  async () => {
    await using env = await testEnv();
    const fleet = await startLedgerFleet(env, {
      TRANSFER_MAX_PENDING: String(LIMIT),
      TRANSFER_ADMISSION_WAIT_MS: String(WAIT_MS),
    });
    const ids = Array.from({ length: 10 }, (_, i) => i + 1);
    await fleet.openAccounts(Object.fromEntries(ids.map((id) => [id, "1000.00"])));
    const before = await fleet.totals();
    const pendingNow = async () =>
      (await fleet.transactionsSql<{ n: number }[]>`
        select count(*)::int as n from transactions where status = 'pending'`)[0].n;
    const transfer = (i: number) => async () => {
      const started = performance.now();
      const res = await fleet.submit({
        source_account_id: ids[i % 10],
        destination_account_id: ids[(i + 3) % 10],
        amount: `${1 + (i % 9)}.${String(i % 100).padStart(2, "0")}`,
      });
      await res.body?.cancel();
      return { status: res.status, ms: performance.now() - started };
    };

    // 1. The ledger keeps up: 150 transfers from 30 clients, the pending count never passes the
    // limit (one replica: the limit is exact).
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await pendingNow());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const live = await pool(30, Array.from({ length: 150 }, (_, i) => transfer(i)));
    sampling = false;
    await sampler;
    assert.deepEqual(new Set(live.map((r) => r.status)), new Set([201]));
    assert.ok(peak <= LIMIT, `pending peaked at ${peak}, limit ${LIMIT}`);
    assert.ok(peak >= LIMIT / 2, `30 clients kept the saga busy (peak ${peak})`);
    await fleet.settled();

    // 2. The ledger stops: the first LIMIT go in at once, the rest wait WAIT_MS and go in anyway.
    await fleet.accounts.kill("SIGKILL");
    const stalled = await pool(30, Array.from({ length: 30 }, (_, i) => transfer(1_000 + i)));
    assert.deepEqual(new Set(stalled.map((r) => r.status)), new Set([201]), "none refused");
    const fast = stalled.filter((r) => r.ms < WAIT_MS - 300).length;
    const slowed = stalled.filter((r) => r.ms >= WAIT_MS - 100).length;
    assert.equal(fast, LIMIT, `${LIMIT} had room: ${stalled.map((r) => r.ms.toFixed(0))}`);
    assert.equal(slowed, 30 - LIMIT, "the rest waited for room until the deadline");
    assert.equal(await pendingNow(), 30);

    // 3. The ledger is back: everything settles once, money is conserved.
    await fleet.accounts.restart();
    const counts = await fleet.settled(30_000);
    assert.equal((counts.complete ?? 0) + (counts.failed ?? 0), 180);
    const after = await fleet.totals();
    assert.equal(after.sum, before.sum, "money neither created nor destroyed");
    assert.ok(after.min >= 0n, "no negative balance");
    await fleet.assertConsistent();
  },
);
