import assert from "node:assert/strict";
import { compensation, reversalRefusal, settle, type Transaction } from "./transaction.ts";

const tx = (status: Transaction["status"]): Transaction => ({
  id: 7,
  sourceAccountId: 1,
  destinationAccountId: 2,
  amount: 5025n,
  status,
  failureReason: null,
  reversalOf: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

Deno.test("only a pending transaction settles, once", () => {
  assert.deepEqual(settle("pending", { kind: "completed" }), {
    status: "complete",
    failureReason: null,
  });
  assert.deepEqual(settle("pending", { kind: "failed", reason: "insufficient_funds" }), {
    status: "failed",
    failureReason: "insufficient_funds",
  });
  assert.equal(settle("complete", { kind: "failed", reason: "account_not_found" }), undefined);
  assert.equal(settle("failed", { kind: "completed" }), undefined);
});

Deno.test("only a complete transaction without an open reversal can be reversed", () => {
  assert.equal(reversalRefusal(tx("complete"), false), undefined);
  assert.match(reversalRefusal(tx("pending"), false)!, /status is "pending"/);
  assert.match(reversalRefusal(tx("failed"), false)!, /status is "failed"/);
  assert.match(reversalRefusal(tx("rollback"), false)!, /status is "rollback"/);
  assert.match(reversalRefusal(tx("complete"), true)!, /already pending or done/);
});

Deno.test("the compensating transfer moves the same amount back", () => {
  assert.deepEqual(compensation(tx("complete")), {
    sourceAccountId: 2,
    destinationAccountId: 1,
    amount: 5025n,
    reversalOf: 7,
  });
});
