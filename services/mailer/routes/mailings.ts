/** `/api/v1/mailings`: mailing campaigns and their statistics. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  commandMeta,
  createRouter,
  jsonBody,
  jsonContent,
  problemContent,
  requires,
} from "@flotilla/backbone";
import { findMailing, listMailings } from "../adapters/mailings.ts";
import { mailingCounts, messagesOf } from "../adapters/messages.ts";
import {
  createMailing,
  deleteMailing,
  type MailingDeps,
  mailingNotFound,
  updateMailing,
} from "../commands/mailings.ts";
import {
  createMailingSchema,
  mailingSchema,
  MESSAGE_STATUSES,
  messageSchema,
  statusCountsSchema,
  updateMailingSchema,
} from "../domain/model.ts";
import {
  changeRoute,
  createItemRoute,
  deleteRoute,
  idParam,
  pageQuery,
  pageRoute,
  readRoute,
} from "./common.ts";

export interface MailingRouteDeps extends MailingDeps {
  /** Asks the scheduler for a pass now: a mailing may be due. */
  wakeScheduler: () => void;
}

/** A mailing's text and up to 2,000 filter entries, even fully escaped, fit in 512 KiB. */
const MAILING_BODY_BYTES = 512 * 1024;

const mailingWithCounts = mailingSchema.extend({ stats: statusCountsSchema }).openapi(
  "MailingStats",
);

export function mailingRoutes(deps: MailingRouteDeps) {
  const { sql } = deps;
  const router = createRouter();

  router.openapi(
    createItemRoute(
      "Create a mailing; it starts at start_at (at once when that has passed)",
      jsonBody(createMailingSchema, { maxBytes: MAILING_BODY_BYTES }),
      mailingSchema,
    ),
    async (c) => {
      const mailing = await createMailing(deps, c.req.valid("json"), commandMeta(c));
      deps.wakeScheduler();
      return c.json(mailing, 201, { location: `/api/v1/mailings/${mailing.id}` });
    },
  );

  router.openapi(pageRoute("mailings", mailingSchema), async (c) => {
    const { limit, offset } = c.req.valid("query");
    return c.json(await listMailings(sql, limit, offset), 200);
  });

  router.openapi(
    createRoute({
      method: "get",
      path: "/stats",
      ...requires("mailer:read"),
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

  router.openapi(readRoute("mailing", mailingSchema), async (c) => {
    const { id } = c.req.valid("param");
    const mailing = await findMailing(sql, id);
    if (!mailing) throw mailingNotFound(id);
    return c.json(mailing, 200);
  });

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}/stats",
      ...requires("mailer:read"),
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
      if (!mailing) throw mailingNotFound(id);
      const counts = await mailingCounts(sql, [id]);
      const messages = await messagesOf(sql, id, { limit, offset, status });
      return c.json({ mailing, stats: counts.get(id)!, messages }, 200);
    },
  );

  router.openapi(
    changeRoute(
      "mailing",
      "Change a mailing; messages not yet sent follow the change",
      jsonBody(updateMailingSchema, { maxBytes: MAILING_BODY_BYTES }),
      mailingSchema,
      "The mailing has finished",
    ),
    async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      const mailing = await updateMailing(deps, { id, change }, commandMeta(c));
      deps.wakeScheduler();
      return c.json(mailing, 200);
    },
  );

  router.openapi(
    deleteRoute("mailing", "Delete a mailing; its messages not yet sent expire"),
    async (c) => {
      await deleteMailing(deps, c.req.valid("param"), commandMeta(c));
      return c.body(null, 204);
    },
  );

  return router;
}
