/** `/api/v1/mailings`: mailing campaigns and their statistics. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  auditEvent,
  type Catalog,
  ConflictError,
  createRouter,
  enqueue,
  jsonContent,
  NotFoundError,
  problemContent,
  requestActor,
  type Sql,
  ValidationError,
} from "@flotilla/backbone";
import {
  deleteMailing,
  findMailing,
  hasMessages,
  insertMailing,
  listMailings,
  mailingCounts,
  type MailingFields,
  messagesOf,
  refilter,
  saveMailing,
} from "../adapters/repo.ts";
import type { Clock } from "../domain/clock.ts";
import {
  createMailingSchema,
  type Mailing,
  mailingSchema,
  MESSAGE_STATUSES,
  messageSchema,
  statusCountsSchema,
  updateMailingSchema,
  windowOf,
} from "../domain/model.ts";
import { causeOf, idParam, pageQuery } from "./common.ts";

export interface MailingRouteDeps {
  service: string;
  sql: Sql;
  catalog: Catalog;
  clock: Clock;
  /** Asks the scheduler for a pass now: a mailing may be due. */
  wakeScheduler: () => void;
}

const notFound = (id: number) => new NotFoundError(`Mailing ${id} not found`);
const mailingWithCounts = mailingSchema.extend({ stats: statusCountsSchema }).openapi(
  "MailingStats",
);

function fieldsOf(m: {
  start_at: string;
  end_at: string;
  text: string;
  filter: { operator_codes: string[]; tags: string[] };
  send_window: { start: string; end: string } | null;
}): MailingFields {
  const window = windowOf(m.send_window);
  return {
    start_at: new Date(m.start_at),
    end_at: new Date(m.end_at),
    text: m.text,
    operator_codes: m.filter.operator_codes,
    tags: m.filter.tags,
    window_start: window?.start ?? null,
    window_end: window?.end ?? null,
  };
}

export function mailingRoutes(deps: MailingRouteDeps) {
  const { service, sql, catalog } = deps;
  const router = createRouter();
  const audit = (
    c: Parameters<typeof requestActor>[0],
    action: string,
    id: number,
    before: Mailing | null,
    after: Mailing | null,
  ) =>
    auditEvent({
      source: service,
      actor: requestActor(c),
      action,
      target: { type: "mailing", id },
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
      cause: causeOf(c),
    });

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a mailing; it starts at start_at (at once when that has passed)",
      request: { body: { content: jsonContent(createMailingSchema) } },
      responses: {
        201: { description: "Created", content: jsonContent(mailingSchema) },
        400: { description: "Invalid request", content: problemContent },
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const mailing = await sql.begin(async (tx) => {
        const mailing = await insertMailing(tx, fieldsOf(body));
        await enqueue(tx, catalog, audit(c, "mailing.created", mailing.id, null, mailing));
        return mailing;
      });
      deps.wakeScheduler();
      return c.json(mailing, 201, { location: `/api/v1/mailings/${mailing.id}` });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Mailings, by id",
      request: { query: pageQuery },
      responses: {
        200: { description: "A page of mailings", content: jsonContent(z.array(mailingSchema)) },
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      return c.json(await listMailings(sql, limit, offset), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/stats",
      summary: "Every mailing with its message counts by status",
      request: { query: pageQuery },
      responses: {
        200: {
          description: "Mailings with counts",
          content: jsonContent(z.array(mailingWithCounts)),
        },
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      const mailings = await listMailings(sql, limit, offset);
      const counts = await mailingCounts(sql, mailings.map((m) => m.id));
      return c.json(mailings.map((m) => ({ ...m, stats: counts.get(m.id)! })), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "One mailing",
      request: { params: idParam },
      responses: {
        200: { description: "The mailing", content: jsonContent(mailingSchema) },
        404: { description: "No such mailing", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const mailing = await findMailing(sql, id);
      if (!mailing) throw notFound(id);
      return c.json(mailing, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}/stats",
      summary: "One mailing's counts and its messages with status, attempts and timestamps",
      request: {
        params: idParam,
        query: pageQuery.extend({ status: z.enum(MESSAGE_STATUSES).optional() }),
      },
      responses: {
        200: {
          description: "Counts and a page of messages",
          content: jsonContent(
            z.object({
              mailing: mailingSchema,
              stats: statusCountsSchema,
              messages: z.array(messageSchema),
            }),
          ),
        },
        404: { description: "No such mailing", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, offset, status } = c.req.valid("query");
      const mailing = await findMailing(sql, id);
      if (!mailing) throw notFound(id);
      const counts = await mailingCounts(sql, [id]);
      const messages = await messagesOf(sql, id, { limit, offset, status });
      return c.json({ mailing, stats: counts.get(id)!, messages }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Change a mailing; messages not yet sent follow the change",
      request: { params: idParam, body: { content: jsonContent(updateMailingSchema) } },
      responses: {
        200: { description: "The mailing", content: jsonContent(mailingSchema) },
        400: { description: "Invalid request", content: problemContent },
        404: { description: "No such mailing", content: problemContent },
        409: { description: "The mailing has finished", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      const mailing = await sql.begin(async (tx) => {
        const before = await findMailing(tx, id, { forUpdate: true });
        if (!before) throw notFound(id);
        if (before.state === "finished") {
          throw new ConflictError(`Cannot change mailing ${id}: it has finished`);
        }
        const merged = {
          start_at: change.start_at ?? before.start_at,
          end_at: change.end_at ?? before.end_at,
          text: change.text ?? before.text,
          filter: change.filter ?? before.filter,
          send_window: change.send_window === undefined ? before.send_window : change.send_window,
        };
        if (Date.parse(merged.end_at) <= Date.parse(merged.start_at)) {
          throw ValidationError.of("Invalid request", [
            {
              path: change.end_at ? "end_at" : "start_at",
              message: "end_at must be after start_at",
            },
          ]);
        }
        const after = await saveMailing(tx, id, fieldsOf(merged));
        if (change.filter && (before.state === "running" || await hasMessages(tx, id))) {
          await refilter(tx, catalog, service, { id, ...change.filter });
        }
        await enqueue(tx, catalog, audit(c, "mailing.updated", id, before, after));
        return after;
      });
      deps.wakeScheduler();
      return c.json(mailing, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a mailing; its messages not yet sent expire",
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        404: { description: "No such mailing", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await sql.begin(async (tx) => {
        const before = await findMailing(tx, id, { forUpdate: true });
        if (!before) throw notFound(id);
        await deleteMailing(tx, id, deps.clock.now());
        await enqueue(tx, catalog, audit(c, "mailing.deleted", id, before, null));
      });
      return c.body(null, 204);
    },
  );

  return router;
}
