/** Exact money, shared by accounts and transactions: integer cents inside, decimal strings outside. */
export { type Cents, formatMoney, MAX_CENTS, moneyProblemMessage, parseMoney } from "./money.ts";
