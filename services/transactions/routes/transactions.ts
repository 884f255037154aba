/** `/api/v1/transactions`: submit, read, list by account, reverse. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type Actor,
  type Admission,
  auditEvent,
  Batcher,
  type Catalog,
  ConflictError,
  createEvent,
  enqueue,
  jsonContent,
  type Metrics,
  NotFoundError,
  requestActor,
  type Sql,
  type TransactionSql,
} from "@flotilla/backbone";
import { TRANSFER_SUBMITTED, type TransferSubmitted } from "@flotilla/contracts";
import type { PostgresGuard } from "../../accounts/adapters/postgres_guard.ts";
import { formatMoney, parseMoney } from "@flotilla/money";
import { compatProblemContent, createCompatRouter } from "../../accounts/routes/compat.ts";
import { accountIdNumber, moneyInput } from "../../accounts/routes/accounts.ts";
import {
  countPending,
  findTransaction,
  hasOpenReversal,
  insertMany,
  listTransactions,
  type NewTransaction,
} from "../adapters/transactions_repo.ts";

import { compensation, reversalRefusal, type Transaction } from "../domain/transaction.ts";
import { TransactionSchema, transactionView } from "./view.ts";

export interface TransactionsRouteDeps {
  sql: Sql;
  catalog: Catalog;
  guard: PostgresGuard;
  service: string;
  /** Backpressure on submissions; without it they are written as fast as they come. */
  admission?: SubmitAdmission;
  metrics?: Metrics;
}

/**
 * Submissions wait while `maxPending` transfers are already in the saga, at most `maxWaitMs`
 * each (then they are accepted anyway: a stalled ledger delays requests, it does not refuse
 * them). Bounding the work in progress bounds how long a transfer takes to settle when clients
 * submit faster than the ledger settles; the wait shows up in the submit's response time.
 */
export interface SubmitAdmission {
  maxPending: number;
  maxWaitMs: number;
}

const INVALID_ID = "invalid transaction ID";

const idParam = z.object({
  id: z.string().regex(/^[0-9]{1,15}$/, INVALID_ID).refine((v) => Number(v) > 0, INVALID_ID)
    .openapi({ param: { name: "id", in: "path" }, example: "1" }),
});

const SubmitBody = z.object({
  source_account_id: accountIdNumber,
  destination_account_id: accountIdNumber,
  amount: moneyInput({ positive: true }),
}).refine((b) => b.source_account_id !== b.destination_account_id, {
  path: ["destination_account_id"],
  message: "source and destination accounts must be different",
});

const submitRoute = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a transfer; it settles asynchronously (poll GET for complete/failed)",
  request: {
    headers: z.object({ "idempotency-key": z.string().optional() }),
    body: { required: true, content: jsonContent(SubmitBody) },
  },
  responses: {
    201: { description: "Accepted as pending", content: jsonContent(TransactionSchema) },
    400: {
      description: "Same account, zero/negative/malformed amount",
      content: compatProblemContent,
    },
    422: { description: "Idempotency-Key reused with another body", content: compatProblemContent },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{id}",
  summary: "A transaction and its status (pending, complete, failed, rollback)",
  request: { params: idParam },
  responses: {
    200: { description: "OK", content: jsonContent(TransactionSchema) },
    400: { description: "Invalid id", content: compatProblemContent },
    404: { description: "No such transaction", content: compatProblemContent },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Transactions, optionally of one account (either side), keyset-paginated by id",
  request: {
    query: z.object({
      account_id: z.coerce.number().int().positive().optional(),
      status: z.enum(["pending", "complete", "failed", "rollback"]).optional(),
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(500).default(100),
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
    400: { description: "Invalid filter", content: compatProblemContent },
  },
});

const reversalRoute = createRoute({
  method: "post",
  path: "/{id}/reversal",
  summary:
    "Reverse a complete transfer with a compensating transfer; the original becomes rollback",
  request: { params: idParam },
  responses: {
    201: {
      description: "The compensating transfer, pending",
      content: jsonContent(TransactionSchema),
    },
    404: { description: "No such transaction", content: compatProblemContent },
    409: { description: "Not complete, or already reversed", content: compatProblemContent },
  },
});

export interface SubmitRequest {
  input: NewTransaction;
  actor: Actor;
  correlationId: string;
  requestId: string;
  action: string;
}

/**
 * Writes pending transactions with their `transaction.submitted` and audit events, all in the
 * caller's Postgres transaction.
 */
export async function submitAll(
  tx: TransactionSql,
  deps: Pick<TransactionsRouteDeps, "catalog" | "service">,
  requests: SubmitRequest[],
): Promise<{ row: Transaction; created: boolean }[]> {
  const results = await insertMany(tx, requests.map((r) => r.input));
  const events = results.flatMap(({ row, created }, i) => {
    if (!created) return [];
    const request = requests[i];
    const cause = { correlationId: request.correlationId };
    return [
      createEvent<TransferSubmitted>({
        type: TRANSFER_SUBMITTED,
        source: deps.service,
        subject: row.id,
        cause,
        data: {
          transaction_id: row.id,
          source_account_id: row.sourceAccountId,
          destination_account_id: row.destinationAccountId,
          amount: formatMoney(row.amount),
          reversal_of: row.reversalOf,
          actor: request.actor,
        },
      }),
      auditEvent({
        source: deps.service,
        actor: request.actor,
        action: request.action,
        target: { type: "transaction", id: row.id },
        before: null,
        after: transactionView(row) as unknown as Record<string, unknown>,
        metadata: { request_id: request.requestId },
        cause,
      }),
    ];
  });
  await enqueue(tx, deps.catalog, events);
  return results;
}

/** Submissions from concurrent requests, committed together (group commit). */
export function submissionBatcher(
  deps: Pick<TransactionsRouteDeps, "sql" | "catalog" | "service" | "admission">,
): Batcher<SubmitRequest, { row: Transaction; created: boolean }> {
  return new Batcher(
    (requests) => deps.sql.begin((tx) => submitAll(tx, deps, requests)),
    {
      maxBatch: 200,
      concurrency: 2,
      admission: deps.admission && pendingAdmission(deps.sql, deps.admission),
    },
  );
}

/** Room = `maxPending` minus the pending transfers. */
function pendingAdmission(sql: Sql, options: SubmitAdmission): Admission {
  return {
    maxWaitMs: options.maxWaitMs,
    pollMs: 10,
    room: async () => options.maxPending - await countPending(sql, options.maxPending),
  };
}

function requestInfo(c: Context, action: string): Omit<SubmitRequest, "input"> {
  return {
    actor: requestActor(c),
    correlationId: c.get("correlationId") as string,
    requestId: c.get("requestId") as string,
    action,
  };
}

const notFound = (id: number) =>
  new NotFoundError(`Transaction ${id} not found`, {
    extensions: { error: "transaction not found" },
  });

export function transactionsRoutes(deps: TransactionsRouteDeps) {
  const { sql, guard } = deps;
  const router = createCompatRouter();
  const submissions = submissionBatcher(deps);
  deps.metrics?.gauge(
    "transfer_submissions_waiting",
    "Submissions waiting for room in the saga (TRANSFER_MAX_PENDING) or for their write",
    [],
    () => submissions.waiting,
  );

  router.openapi(submitRoute, async (c) => {
    const body = c.req.valid("json");
    const amount = parseMoney(body.amount);
    if (!amount.ok) throw new Error("unreachable: validated by the schema");
    const info = requestInfo(c, "transaction.submitted");
    const { row } = await guard(() =>
      submissions.submit({
        ...info,
        input: {
          sourceAccountId: body.source_account_id,
          destinationAccountId: body.destination_account_id,
          amount: amount.cents,
          idempotencyKey: c.req.header("idempotency-key") ?? null,
        },
      })
    );
    c.header("location", `/api/v1/transactions/${row.id}`);
    return c.json(transactionView(row), 201);
  });

  router.openapi(getRoute, async (c) => {
    const id = Number(c.req.valid("param").id);
    const row = await guard(() => findTransaction(sql, id));
    if (!row) throw notFound(id);
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
    const id = Number(c.req.valid("param").id);
    const info = requestInfo(c, "transaction.reversal_requested");
    const key = c.req.header("idempotency-key");
    const { row } = await guard(() =>
      sql.begin(async (tx) => {
        const original = await findTransaction(tx, id, { lock: true });
        if (!original) throw notFound(id);
        const refusal = reversalRefusal(original, await hasOpenReversal(tx, id));
        if (refusal) {
          throw new ConflictError(refusal, { extensions: { error: refusal } });
        }
        const [result] = await submitAll(tx, deps, [{
          ...info,
          input: { ...compensation(original), idempotencyKey: key ? `reversal:${key}` : null },
        }]);
        return result;
      })
    );
    c.header("location", `/api/v1/transactions/${row.id}`);
    return c.json(transactionView(row), 201);
  });

  return router;
}
