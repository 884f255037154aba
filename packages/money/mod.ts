/** Exact money, shared by accounts and transactions: integer cents inside, decimal strings outside. */
export { type Cents, formatMoney, parseMoney } from "./money.ts";
export { accountIdInput, moneyInput } from "./input.ts";
