import assert from "node:assert/strict";
import { decideTransfers, lockOrder, type TransferRequest } from "./ledger.ts";

const t = (id: number, from: number, to: number, amount: bigint): TransferRequest => ({
  transactionId: id,
  sourceId: from,
  destinationId: to,
  amount,
});

Deno.test("a transfer moves exactly its amount and keeps the sum of balances", () => {
  const { decisions, balances } = decideTransfers(
    new Map([[1, 10050n], [2, 0n]]),
    [t(1, 1, 2, 5025n)],
  );
  assert.equal(decisions[0].kind, "completed");
  assert.equal(balances.get(1), 5025n);
  assert.equal(balances.get(2), 5025n);
});

Deno.test("transfer with insufficient funds fails and moves no money", () => {
  const { decisions, balances } = decideTransfers(
    new Map([[1, 100n], [2, 0n]]),
    [t(1, 1, 2, 101n)],
  );
  assert.deepEqual(decisions.map((d) => d.kind === "failed" && d.reason), ["insufficient_funds"]);
  assert.equal(balances.get(1), 100n);
  assert.equal(balances.get(2), 0n);
});

Deno.test("transfer to or from a missing account fails with account_not_found", () => {
  const { decisions } = decideTransfers(new Map([[1, 100n]]), [t(1, 1, 9, 1n), t(2, 9, 1, 1n)]);
  assert.deepEqual(decisions.map((d) => d.kind === "failed" && d.reason), [
    "account_not_found",
    "account_not_found",
  ]);
});

Deno.test("transfers in one batch see each other's effects, in order", () => {
  const { decisions, balances } = decideTransfers(
    new Map([[1, 100n], [2, 0n], [3, 0n]]),
    [t(1, 1, 2, 100n), t(2, 1, 3, 1n), t(3, 2, 3, 60n)],
  );
  assert.deepEqual(decisions.map((d) => d.kind), ["completed", "failed", "completed"]);
  assert.deepEqual([...balances.values()], [0n, 40n, 60n]);
  const total = [...balances.values()].reduce((a, b) => a + b, 0n);
  assert.equal(total, 100n);
});

Deno.test("rows are locked in ascending id order, each once", () => {
  assert.deepEqual(lockOrder([t(1, 9, 3, 1n), t(2, 3, 5, 1n), t(3, 1, 9, 1n)]), [1, 3, 5, 9]);
});

Deno.test("a non-positive amount or same-account transfer is a programming error", () => {
  assert.throws(() => decideTransfers(new Map([[1, 5n]]), [t(1, 1, 1, 1n)]), RangeError);
  assert.throws(() => decideTransfers(new Map([[1, 5n], [2, 0n]]), [t(1, 1, 2, 0n)]), RangeError);
});
