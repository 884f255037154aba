/**
 * Money and account ids as requests carry them, as zod schemas whose messages are the original
 * API's `error` texts ("invalid amount format", "invalid account ID").
 */
import { z } from "@hono/zod-openapi";
import { moneyProblemMessage, parseMoney } from "./money.ts";

const INVALID_ACCOUNT_ID = "invalid account ID";

/** A positive integer account id (JSON number). */
export const accountIdInput = z.number({ error: INVALID_ACCOUNT_ID }).int(INVALID_ACCOUNT_ID)
  .positive(INVALID_ACCOUNT_ID).max(Number.MAX_SAFE_INTEGER, INVALID_ACCOUNT_ID)
  .openapi({ example: 123 });

/** Money in a request: a decimal string, at most two fraction digits; parse it with parseMoney. */
export function moneyInput(options: { positive: boolean }) {
  return z.string({ error: "invalid amount format" }).superRefine((value, ctx) => {
    const parsed = parseMoney(value);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: moneyProblemMessage(parsed.problem) });
    else if (options.positive && parsed.cents === 0n) {
      ctx.addIssue({ code: "custom", message: "amount must be positive" });
    }
  }).openapi({ example: "100.50", description: "Decimal string, at most two fraction digits" });
}
