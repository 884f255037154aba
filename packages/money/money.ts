/**
 * Exact money: amounts are integer cents (bigint) inside, decimal strings with exactly two
 * fraction digits outside ("100.50"). Never a float. Input may have zero, one or two fraction
 * digits; more is refused rather than rounded.
 */

export type Cents = bigint;

export type MoneyProblem = "malformed" | "negative" | "too_precise" | "too_large";

const MESSAGES: Record<MoneyProblem, string> = {
  malformed: "invalid amount format",
  negative: "amount cannot be negative",
  too_precise: "amount must have at most two fraction digits",
  too_large: "amount is too large",
};

export function moneyProblemMessage(problem: MoneyProblem): string {
  return MESSAGES[problem];
}

/** Parses a decimal string into cents, or says what is wrong with it. */
export function parseMoney(text: unknown): { ok: true; cents: Cents } | {
  ok: false;
  problem: MoneyProblem;
} {
  if (typeof text !== "string") return { ok: false, problem: "malformed" };
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return { ok: false, problem: "malformed" };
  const [, sign, whole, fraction = ""] = m;
  if (sign === "-" && /[1-9]/.test(whole + fraction)) return { ok: false, problem: "negative" };
  if (fraction.length > 2) return { ok: false, problem: "too_precise" };
  if (whole.replace(/^0+/, "").length > 15) return { ok: false, problem: "too_large" };
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  return { ok: true, cents };
}

/** "100.50" from 10050n; "-0.25" from -25n. */
export function formatMoney(cents: Cents | number | string): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 100n;
  const fraction = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}
