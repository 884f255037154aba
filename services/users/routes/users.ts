/** `/api/v1/users`: create, read, rename and page through users. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  type AppEnv,
  auditEvent,
  type Catalog,
  createEvent,
  createRouter,
  enqueue,
  jsonContent,
  NotFoundError,
  problemContent,
  requestActor,
  type Sql,
} from "@flotilla/backbone";
import { USER_CREATED, USER_UPDATED } from "@flotilla/contracts";
import type { Context } from "hono";
import {
  createUserSchema,
  pageQuerySchema,
  rename,
  updateUserSchema,
  type User,
  userSchema,
} from "../domain/user.ts";
import { findUser, insertUser, listUsers, saveUser } from "../adapters/user_repo.ts";

export interface UsersRouteDeps {
  service: string;
  sql: Sql;
  catalog: Catalog;
  /** Microseconds since the epoch. */
  now: () => number;
}

const idParam = z.object({
  id: z.coerce.number().int().positive().openapi({ param: { name: "id", in: "path" }, example: 1 }),
});
const userBody = z.object({ result: z.literal(true), user: userSchema });

const notFound = (id: number) => {
  const message = `User ${id} not found`;
  return new NotFoundError(message, { extensions: { result: false, error: message } });
};

export function usersRoutes(deps: UsersRouteDeps) {
  const { service, sql, catalog } = deps;
  const router = createRouter();

  const cause = (c: Context<AppEnv>) => ({ correlationId: c.get("correlationId") });

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a user (publishes user.created); Idempotency-Key supported",
      request: { body: { content: jsonContent(createUserSchema) } },
      responses: {
        201: { description: "Created", content: jsonContent(userBody) },
        400: { description: "Invalid request", content: problemContent },
      },
    }),
    async (c) => {
      const { name } = c.req.valid("json");
      const user = await sql.begin(async (tx) => {
        const user = await insertUser(tx, name);
        await enqueue(tx, catalog, [
          createEvent<User>({
            type: USER_CREATED,
            source: service,
            subject: user.id,
            data: user,
            cause: cause(c),
          }),
          auditEvent({
            source: service,
            actor: requestActor(c),
            action: "user.created",
            target: { type: "user", id: user.id },
            after: user,
            cause: cause(c),
          }),
        ]);
        return user;
      });
      return c.json({ result: true as const, user }, 201, {
        location: `/api/v1/users/${user.id}`,
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "One user",
      request: { params: idParam },
      responses: {
        200: { description: "The user", content: jsonContent(userBody) },
        404: { description: "No such user", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const user = await findUser(sql, id);
      if (!user) throw notFound(id);
      return c.json({ result: true as const, user }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Rename a user (publishes user.updated)",
      request: {
        params: idParam,
        body: { content: jsonContent(updateUserSchema) },
      },
      responses: {
        200: { description: "The user", content: jsonContent(userBody) },
        400: { description: "Invalid request", content: problemContent },
        404: { description: "No such user", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name } = c.req.valid("json");
      const user = await sql.begin(async (tx) => {
        const before = await findUser(tx, id, { forUpdate: true });
        if (!before) throw notFound(id);
        const after = rename(before, name, deps.now());
        if (!after) return before;
        await saveUser(tx, after);
        await enqueue(tx, catalog, [
          createEvent<User>({
            type: USER_UPDATED,
            source: service,
            subject: after.id,
            data: after,
            cause: cause(c),
          }),
          auditEvent({
            source: service,
            actor: requestActor(c),
            action: "user.updated",
            target: { type: "user", id },
            before,
            after,
            cause: cause(c),
          }),
        ]);
        return after;
      });
      return c.json({ result: true as const, user }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Users, newest first",
      request: { query: pageQuerySchema },
      responses: {
        200: {
          description: "A page of users",
          content: jsonContent(z.object({ result: z.literal(true), users: z.array(userSchema) })),
        },
      },
    }),
    async (c) => {
      const { page_num, page_size } = c.req.valid("query");
      const users = await listUsers(sql, page_num, page_size);
      return c.json({ result: true as const, users }, 200);
    },
  );

  return router;
}
