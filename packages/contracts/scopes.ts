/**
 * The scopes an API key or an OIDC token may carry: read and write per family, and `admin`.
 * Routes declare the ones they need with `requires(...)`; `/openapi.json` lists them.
 */
export const SCOPES = {
  "accounts:read": "Read accounts, balances and postings",
  "accounts:write": "Open accounts",
  "transfers:read": "Read transfers and their status",
  "transfers:write": "Submit and reverse transfers",
  "audit:read": "Query the audit log, read and download its exports",
  "audit:write": "Start an export of the audit log",
  "listings:read": "Read users and listings (the listing search is public)",
  "listings:write": "Create and change users and listings, upload photos",
  "orders:read": "List orders (one order by its id is public)",
  "mailer:read": "Read clients, mailings and their statistics",
  "mailer:write": "Create, change and delete clients and mailings",
  admin: "Manage API keys, run the ledger check, verify the audit chain",
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}
