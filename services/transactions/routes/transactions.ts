/** `/api/v1/transactions`: submit, read, list by account, reverse. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type AppEnv,
  type Batcher,
  BIGINT_ID_MAX,
  type CommandDeps,
  commandMeta,
  createRouter,
  decimalId,
  IDEMPOTENCY_KEY_PATTERN,
  jsonBody,
  jsonContent,
  type PostgresGuard,
  problemContent,
  queryInteger,
  requires,
} from "@flotilla/backbone";
import { accountIdInput, moneyInput, parseMoney } from "@flotilla/money";
import { findTransaction, listTransactions } from "../adapters/transactions_repo.ts";
import { reverseTransaction, transactionNotFound } from "../commands/reverse_transaction.ts";
import type { RequestMeta, Submission, Submitted } from "../commands/submit_transfer.ts";
import { transactionStatusSchema } from "../domain/transaction.ts";
import { TransactionSchema, transactionView } from "../domain/view.ts";

export interface TransactionsRouteDeps extends CommandDeps {
  guard: PostgresGuard;
  /** The submission pipeline (see transferSubmissions). */
  submissions: Batcher<Submission, Submitted>;
}

const INVALID_ID = "invalid transaction ID";

const idParam = z.object({
  id: decimalId({ max: BIGINT_ID_MAX, message: INVALID_ID })
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

const SubmitBody = z.object({
  source_account_id: accountIdInput,
  destination_account_id: accountIdInput,
  amount: moneyInput({ positive: true }),
}).refine((b) => b.source_account_id !== b.destination_account_id, {
  path: ["destination_account_id"],
  message: "source and destination accounts must be different",
});

const submitRoute = createRoute({
  method: "post",
  path: "/",
  ...requires("transfers:write"),
  summary: "Submit a transfer; it settles asynchronously (poll GET for complete/failed)",
  request: {
    headers: z.object({
      "idempotency-key": z.string().regex(IDEMPOTENCY_KEY_PATTERN).optional(),
    }),
    body: jsonBody(SubmitBody),
  },
  responses: {
    201: { description: "Accepted as pending", content: jsonContent(TransactionSchema) },
    400: {
      description: "Same account, zero/negative/malformed amount",
      content: problemContent,
    },
    422: { description: "Idempotency-Key reused with another body", content: problemContent },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{id}",
  ...requires("transfers:read"),
  summary: "A transaction and its status (pending, complete, failed, rollback)",
  request: { params: idParam },
  responses: {
    200: { description: "OK", content: jsonContent(TransactionSchema) },
    400: { description: "Invalid id", content: problemContent },
    404: { description: "No such transaction", content: problemContent },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  ...requires("transfers:read"),
  summary: "Transactions, optionally of one account (either side), keyset-paginated by id",
  request: {
    query: z.object({
      account_id: decimalId({ max: BIGINT_ID_MAX }).optional(),
      status: transactionStatusSchema.optional(),
      after: queryInteger({ min: 0, max: BIGINT_ID_MAX, default: 0 }),
      limit: queryInteger({ min: 1, max: 500, default: 100 }),
    }),
  },
  responses: {
    200: {
      description: "OK",
      content: jsonContent(z.object({
        items: z.array(TransactionSchema),
        next_cursor: z.string().nullable(),
      })),
    },
    400: { description: "Invalid filter", content: problemContent },
  },
});

const reversalRoute = createRoute({
  method: "post",
  path: "/{id}/reversal",
  ...requires("transfers:write"),
  summary:
    "Reverse a complete transfer with a compensating transfer; the original becomes rollback",
  request: { params: idParam },
  responses: {
    201: {
      description: "The compensating transfer, pending",
      content: jsonContent(TransactionSchema),
    },
    404: { description: "No such transaction", content: problemContent },
    409: { description: "Not complete, or already reversed", content: problemContent },
  },
});

const requestMeta = (c: Context<AppEnv>): RequestMeta => ({
  ...commandMeta(c),
  requestId: c.get("requestId"),
});

export function transactionsRoutes(deps: TransactionsRouteDeps) {
  const { sql, guard, submissions } = deps;
  const router = createRouter({ compat: "error" });

  router.openapi(submitRoute, async (c) => {
    const body = c.req.valid("json");
    const amount = parseMoney(body.amount);
    if (!amount.ok) throw new Error("unreachable: validated by the schema");
    const { row } = await guard(() =>
      submissions.submit({
        input: {
          sourceAccountId: body.source_account_id,
          destinationAccountId: body.destination_account_id,
          amount: amount.cents,
          idempotencyKey: c.req.header("idempotency-key") ?? null,
        },
        meta: requestMeta(c),
        action: "transaction.submitted",
      })
    );
    c.header("location", `/api/v1/transactions/${row.id}`);
    return c.json(transactionView(row), 201);
  });

  router.openapi(getRoute, async (c) => {
    const id = c.req.valid("param").id;
    const row = await guard(() => findTransaction(sql, id));
    if (!row) throw transactionNotFound(id);
    return c.json(transactionView(row), 200);
  });

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const rows = await guard(() =>
      listTransactions(sql, {
        accountId: q.account_id,
        status: q.status,
        after: q.after,
        limit: q.limit,
      })
    );
    return c.json({
      items: rows.map(transactionView),
      next_cursor: rows.length === q.limit ? String(rows[rows.length - 1].id) : null,
    }, 200);
  });

  router.openapi(reversalRoute, async (c) => {
    const id = c.req.valid("param").id;
    const idempotencyKey = c.req.header("idempotency-key");
    const { row } = await guard(() =>
      reverseTransaction(deps, { id, idempotencyKey }, requestMeta(c))
    );
    c.header("location", `/api/v1/transactions/${row.id}`);
    return c.json(transactionView(row), 201);
  });

  return router;
}
