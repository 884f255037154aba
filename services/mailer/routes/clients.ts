/** `/api/v1/clients`: create, read, change, delete and page through clients. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  type CommandDeps,
  commandMeta,
  createRouter,
  jsonContent,
  problemContent,
} from "@flotilla/backbone";
import { findClient, listClients } from "../adapters/clients.ts";
import { clientNotFound, createClient, deleteClient, updateClient } from "../commands/clients.ts";
import { clientSchema, createClientSchema, updateClientSchema } from "../domain/model.ts";
import { idParam, pageQuery } from "./common.ts";

export function clientRoutes(deps: CommandDeps) {
  const { sql } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a client (operator code derived from the phone unless given)",
      request: { body: { content: jsonContent(createClientSchema) } },
      responses: {
        201: { description: "Created", content: jsonContent(clientSchema) },
        400: { description: "Invalid request", content: problemContent },
        409: { description: "Phone already registered", content: problemContent },
      },
    }),
    async (c) => {
      const client = await createClient(deps, c.req.valid("json"), commandMeta(c));
      return c.json(client, 201, { location: `/api/v1/clients/${client.id}` });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Clients, by id",
      request: { query: pageQuery },
      responses: {
        200: { description: "A page of clients", content: jsonContent(z.array(clientSchema)) },
      },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      return c.json(await listClients(sql, limit, offset), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "One client",
      request: { params: idParam },
      responses: {
        200: { description: "The client", content: jsonContent(clientSchema) },
        404: { description: "No such client", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const client = await findClient(sql, id);
      if (!client) throw clientNotFound(id);
      return c.json(client, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Change a client (a new phone derives a new operator code unless one is given)",
      request: { params: idParam, body: { content: jsonContent(updateClientSchema) } },
      responses: {
        200: { description: "The client", content: jsonContent(clientSchema) },
        400: { description: "Invalid request", content: problemContent },
        404: { description: "No such client", content: problemContent },
        409: { description: "Phone already registered", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      return c.json(await updateClient(deps, { id, change }, commandMeta(c)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a client; its messages not yet sent expire",
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        404: { description: "No such client", content: problemContent },
      },
    }),
    async (c) => {
      await deleteClient(deps, c.req.valid("param"), commandMeta(c));
      return c.body(null, 204);
    },
  );

  return router;
}
