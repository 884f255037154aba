import assert from "node:assert/strict";
import { formatMoney, parseMoney } from "./money.ts";

Deno.test("money parses decimal strings into exact cents", () => {
  assert.deepEqual(parseMoney("100.50"), { ok: true, cents: 10050n });
  assert.deepEqual(parseMoney("100.5"), { ok: true, cents: 10050n });
  assert.deepEqual(parseMoney("7"), { ok: true, cents: 700n });
  assert.deepEqual(parseMoney("0.01"), { ok: true, cents: 1n });
  assert.deepEqual(parseMoney("0"), { ok: true, cents: 0n });
  assert.deepEqual(parseMoney("999999999999999.99"), { ok: true, cents: 99999999999999999n });
});

Deno.test("money refuses negative, malformed, over-precise and huge amounts", () => {
  assert.deepEqual(parseMoney("-1.00"), { ok: false, problem: "negative" });
  assert.deepEqual(parseMoney("1.005"), { ok: false, problem: "too_precise" });
  assert.deepEqual(parseMoney("abc"), { ok: false, problem: "malformed" });
  assert.deepEqual(parseMoney("1e3"), { ok: false, problem: "malformed" });
  assert.deepEqual(parseMoney("1."), { ok: false, problem: "malformed" });
  assert.deepEqual(parseMoney(12.5), { ok: false, problem: "malformed" });
  assert.deepEqual(parseMoney("1000000000000000.00"), { ok: false, problem: "too_large" });
});

Deno.test("money formats cents with exactly two fraction digits", () => {
  assert.equal(formatMoney(10050n), "100.50");
  assert.equal(formatMoney(5n), "0.05");
  assert.equal(formatMoney(0), "0.00");
  assert.equal(formatMoney(-2525n), "-25.25");
  assert.equal(formatMoney("123456789012345678"), "1234567890123456.78");
  // 0.1 + 0.2 in cents is exact.
  assert.equal(formatMoney(parseMoney("0.1").ok ? 10n + 20n : 0n), "0.30");
});
