/** `/api/v1/audit-logs`: query newest first, read one, verify the chain. No updates, no deletes. */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, NotFoundError, requires, safeText, type Sql } from "@flotilla/backbone";
import type { CheckpointStore } from "../adapters/checkpoints.ts";
import type { ChainKeys } from "../domain/chain.ts";
import type { CheckpointKeys } from "../domain/checkpoint.ts";
import { findLog, searchLogs, verifyChain } from "../adapters/audit_repo.ts";
import { checkRange, decodeCursor, encodeCursor } from "../domain/query.ts";
import {
  auditLogSchema,
  listQuerySchema,
  pageSchema,
  problemJson,
  verifySchema,
} from "./schemas.ts";

export function auditLogRoutes(deps: {
  sql: Sql;
  chainKeys: ChainKeys;
  checkpointKeys: CheckpointKeys;
  checkpoints: CheckpointStore;
}) {
  const { sql } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("audit:read"),
      summary: "Audit logs, newest first, filtered, with keyset pagination",
      request: { query: listQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: pageSchema } } },
        400: { description: "Invalid filter or cursor", content: problemJson },
      },
    }),
    async (c) => {
      const { limit, cursor, ...filters } = c.req.valid("query");
      checkRange(filters);
      const page = await searchLogs(sql, filters, {
        limit,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      return c.json({
        data: page.items,
        next_cursor: page.next ? encodeCursor(page.next) : null,
      }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/verify",
      ...requires("admin"),
      summary: "Walk the hash chain and report the first row that was altered or removed, " +
        "and the last signed checkpoint the chain still matches",
      responses: {
        200: {
          description: "The chain report (ok: false names the first break)",
          content: { "application/json": { schema: verifySchema } },
        },
      },
    }),
    async (c) => {
      const keys = { chain: deps.chainKeys, checkpoints: deps.checkpointKeys };
      return c.json(await verifyChain(sql, keys, await deps.checkpoints.all()), 200);
    },
  );
  return router;
}

/** `GET /{id}` is mounted last so it does not shadow /verify and /exports. */
export function auditLogByIdRoute(deps: { sql: Sql }) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      ...requires("audit:read"),
      summary: "One audit log by its event id",
      request: {
        params: z.object({
          id: safeText({ min: 1, max: 64 }).openapi({ param: { name: "id", in: "path" } }),
        }),
      },
      responses: {
        200: {
          description: "The row",
          content: { "application/json": { schema: auditLogSchema } },
        },
        404: { description: "No such event", content: problemJson },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await findLog(deps.sql, id);
      if (!row) throw new NotFoundError(`Audit log "${id}" not found`);
      return c.json(row, 200);
    },
  );
  return router;
}
