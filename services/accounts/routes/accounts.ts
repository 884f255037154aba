/** `/api/v1/accounts`: open, read, list accounts, their postings, and the ledger check. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  BIGINT_ID_MAX,
  type CommandDeps,
  commandMeta,
  createRouter,
  decimalId,
  jsonBody,
  jsonContent,
  NotFoundError,
  type PostgresGuard,
  problemContent,
  queryInteger,
  requires,
} from "@flotilla/backbone";
import { accountIdInput, formatMoney, moneyInput, parseMoney } from "@flotilla/money";
import { findAccount, listAccounts, listPostings } from "../adapters/accounts_repo.ts";
import { checkLedger } from "../adapters/ledger_check.ts";
import { openAccount } from "../commands/open_account.ts";

export interface AccountsRouteDeps extends CommandDeps {
  guard: PostgresGuard;
}

const INVALID_ID = "invalid account ID";

const accountIdParam = z.object({
  account_id: decimalId({ max: BIGINT_ID_MAX, message: INVALID_ID })
    .openapi({ param: { name: "account_id", in: "path" }, example: 123 }),
});

const pageQuery = z.object({
  after: queryInteger({ min: 0, max: BIGINT_ID_MAX, default: 0 }).openapi({
    description: "Cursor: the last id of the previous page",
  }),
  limit: queryInteger({ min: 1, max: 500, default: 100 }),
});

const Account = z.object({
  account_id: z.number().int(),
  balance: z.string().openapi({ example: "100.50" }),
}).openapi("Account");

const Posting = z.object({
  id: z.number().int(),
  transaction_id: z.number().int().nullable(),
  kind: z.enum(["opening", "debit", "credit"]),
  amount: z.string().openapi({ example: "-50.25" }),
  balance_after: z.string(),
  created_at: z.string(),
}).openapi("Posting");

const createAccount = createRoute({
  method: "post",
  path: "/",
  ...requires("accounts:write"),
  summary: "Open an account with an initial balance",
  request: {
    body: jsonBody(z.object({
      account_id: accountIdInput,
      initial_balance: moneyInput({ positive: false }),
    })),
  },
  responses: {
    201: { description: "Created", content: jsonContent(Account) },
    400: { description: "Invalid id or amount", content: problemContent },
    409: { description: "The account exists", content: problemContent },
  },
});

const getAccount = createRoute({
  method: "get",
  path: "/{account_id}",
  ...requires("accounts:read"),
  summary: "An account's balance",
  request: { params: accountIdParam },
  responses: {
    200: { description: "OK", content: jsonContent(Account) },
    400: { description: "Invalid id", content: problemContent },
    404: { description: "No such account", content: problemContent },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  ...requires("accounts:read"),
  summary: "Accounts in id order, keyset-paginated",
  request: { query: pageQuery },
  responses: {
    200: {
      description: "OK",
      content: jsonContent(
        z.object({ items: z.array(Account), next_cursor: z.string().nullable() }),
      ),
    },
  },
});

const postingsRoute = createRoute({
  method: "get",
  path: "/{account_id}/postings",
  ...requires("accounts:read"),
  summary: "An account's history: its postings, oldest first, keyset-paginated",
  request: { params: accountIdParam, query: pageQuery },
  responses: {
    200: {
      description: "OK",
      content: jsonContent(z.object({
        account_id: z.number().int(),
        balance: z.string(),
        items: z.array(Posting),
        next_cursor: z.string().nullable(),
      })),
    },
    400: { description: "Invalid id", content: problemContent },
    404: { description: "No such account", content: problemContent },
  },
});

const ledgerCheckRoute = createRoute({
  method: "get",
  path: "/ledger-check",
  ...requires("admin"),
  summary: "Proves balance = sum of postings for every account, and no negative balance",
  responses: {
    200: {
      description: "The ledger is consistent",
      content: jsonContent(z.object({
        ok: z.boolean(),
        accounts: z.number().int(),
        total_balance: z.string(),
        total_opening: z.string(),
        mismatches: z.array(z.object({
          account_id: z.number().int(),
          balance: z.string(),
          postings_sum: z.string(),
        })),
        negative: z.array(z.number().int()),
        unbalanced_transfers: z.array(z.number().int()),
      })),
    },
    500: { description: "The ledger is inconsistent (same body, ok: false)" },
  },
});

const notFound = (id: number) =>
  new NotFoundError(`Account ${id} not found`, { extensions: { error: "account not found" } });

export function accountsRoutes(deps: AccountsRouteDeps) {
  const { sql, guard } = deps;
  const router = createRouter({ compat: "error" });

  // Registered before "/{account_id}" so the static path wins.
  router.openapi(ledgerCheckRoute, async (c) => {
    const report = await guard(() => checkLedger(sql));
    const body = {
      ok: report.ok,
      accounts: report.accounts,
      total_balance: formatMoney(report.totalBalance),
      total_opening: formatMoney(report.totalOpening),
      mismatches: report.mismatches.map((m) => ({
        account_id: m.accountId,
        balance: formatMoney(m.balance),
        postings_sum: formatMoney(m.postingsSum),
      })),
      negative: report.negative,
      unbalanced_transfers: report.unbalancedTransfers,
    };
    return c.json(body, report.ok ? 200 : 500);
  });

  router.openapi(createAccount, async (c) => {
    const body = c.req.valid("json");
    const parsed = parseMoney(body.initial_balance);
    if (!parsed.ok) throw new Error("unreachable: validated by the schema");
    const meta = { ...commandMeta(c), requestId: c.get("requestId") };
    const created = await guard(() =>
      openAccount(deps, { accountId: body.account_id, balance: parsed.cents }, meta)
    );
    c.header("location", `/api/v1/accounts/${created.account_id}`);
    return c.json(created, 201);
  });

  router.openapi(getAccount, async (c) => {
    const id = c.req.valid("param").account_id;
    const row = await guard(() => findAccount(sql, id));
    if (!row) throw notFound(id);
    return c.json({ account_id: row.accountId, balance: formatMoney(row.balance) }, 200);
  });

  router.openapi(listRoute, async (c) => {
    const page = c.req.valid("query");
    const rows = await guard(() => listAccounts(sql, page));
    return c.json({
      items: rows.map((r) => ({ account_id: r.accountId, balance: formatMoney(r.balance) })),
      next_cursor: rows.length === page.limit ? String(rows[rows.length - 1].accountId) : null,
    }, 200);
  });

  router.openapi(postingsRoute, async (c) => {
    const id = c.req.valid("param").account_id;
    const page = c.req.valid("query");
    const [account, rows] = await guard(() =>
      Promise.all([findAccount(sql, id), listPostings(sql, id, page)])
    );
    if (!account) throw notFound(id);
    return c.json({
      account_id: id,
      balance: formatMoney(account.balance),
      items: rows.map((p) => ({
        id: p.id,
        transaction_id: p.transactionId,
        kind: p.kind,
        amount: formatMoney(p.amount),
        balance_after: formatMoney(p.balanceAfter),
        created_at: p.createdAt.toISOString(),
      })),
      next_cursor: rows.length === page.limit ? String(rows[rows.length - 1].id) : null,
    }, 200);
  });

  return router;
}
