/** `/api/v1/users`: create, read, rename and page through users. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  commandMeta,
  createRouter,
  jsonBody,
  problemResponseSpec,
  requires,
} from "@flotilla/backbone";
import { idParamSchema, resultResponse } from "@flotilla/contracts";
import { findUser, listUsers } from "../adapters/user_repo.ts";
import { createUser } from "../commands/create_user.ts";
import { type RenameDeps, renameUser, userNotFound } from "../commands/rename_user.ts";
import { createUserSchema, pageQuerySchema, updateUserSchema, userSchema } from "../domain/user.ts";

export function usersRoutes(deps: RenameDeps) {
  const { sql } = deps;
  const router = createRouter({ compat: "result" });

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      ...requires("listings:write"),
      summary: "Create a user (publishes user.created); Idempotency-Key supported",
      request: { body: jsonBody(createUserSchema) },
      responses: {
        201: resultResponse("Created", "user", userSchema),
        400: problemResponseSpec("Invalid request"),
      },
    }),
    async (c) => {
      const user = await createUser(deps, c.req.valid("json"), commandMeta(c));
      return c.json({ result: true as const, user }, 201, {
        location: `/api/v1/users/${user.id}`,
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      ...requires("listings:read"),
      summary: "One user",
      request: { params: idParamSchema },
      responses: {
        200: resultResponse("The user", "user", userSchema),
        404: problemResponseSpec("No such user"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const user = await findUser(sql, id);
      if (!user) throw userNotFound(id);
      return c.json({ result: true as const, user }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      ...requires("listings:write"),
      summary: "Rename a user (publishes user.updated)",
      request: { params: idParamSchema, body: jsonBody(updateUserSchema) },
      responses: {
        200: resultResponse("The user", "user", userSchema),
        400: problemResponseSpec("Invalid request"),
        404: problemResponseSpec("No such user"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name } = c.req.valid("json");
      const user = await renameUser(deps, { id, name }, commandMeta(c));
      return c.json({ result: true as const, user }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("listings:read"),
      summary: "Users, newest first",
      request: { query: pageQuerySchema },
      responses: {
        200: resultResponse("A page of users", "users", z.array(userSchema)),
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
