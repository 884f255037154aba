import assert from "node:assert/strict";
import { accountIdInput, moneyInput } from "./input.ts";

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues.map((i) => i.message) ?? [];

Deno.test("money inputs say what is wrong in the original API's words", () => {
  const amount = moneyInput({ positive: true });
  assert.equal(amount.safeParse("100.50").success, true);
  assert.deepEqual(messages(amount.safeParse("0.00")), ["amount must be positive"]);
  assert.deepEqual(messages(amount.safeParse("-1")), ["amount cannot be negative"]);
  assert.deepEqual(messages(amount.safeParse("1.005")), [
    "amount must have at most two fraction digits",
  ]);
  assert.deepEqual(messages(amount.safeParse(12.5)), ["invalid amount format"]);
  assert.equal(moneyInput({ positive: false }).safeParse("0").success, true);
});

Deno.test("account ids are positive safe integers", () => {
  assert.equal(accountIdInput.safeParse(123).success, true);
  for (const bad of [0, -5, 1.5, "7", 2 ** 53]) {
    assert.equal(messages(accountIdInput.safeParse(bad))[0], "invalid account ID", String(bad));
  }
});
