/** `/api/v1/clients`: create, read, change, delete and page through clients. */
import { type CommandDeps, commandMeta, createRouter, jsonBody } from "@flotilla/backbone";
import { findClient, listClients } from "../adapters/clients.ts";
import { clientNotFound, createClient, deleteClient, updateClient } from "../commands/clients.ts";
import { clientSchema, createClientSchema, updateClientSchema } from "../domain/model.ts";
import { changeRoute, createItemRoute, deleteRoute, pageRoute, readRoute } from "./common.ts";

export function clientRoutes(deps: CommandDeps) {
  const { sql } = deps;
  const router = createRouter();

  router.openapi(
    createItemRoute(
      "Create a client (operator code derived from the phone unless given)",
      jsonBody(createClientSchema),
      clientSchema,
      "Phone already registered",
    ),
    async (c) => {
      const client = await createClient(deps, c.req.valid("json"), commandMeta(c));
      return c.json(client, 201, { location: `/api/v1/clients/${client.id}` });
    },
  );

  router.openapi(pageRoute("clients", clientSchema), async (c) => {
    const { limit, offset } = c.req.valid("query");
    return c.json(await listClients(sql, limit, offset), 200);
  });

  router.openapi(readRoute("client", clientSchema), async (c) => {
    const { id } = c.req.valid("param");
    const client = await findClient(sql, id);
    if (!client) throw clientNotFound(id);
    return c.json(client, 200);
  });

  router.openapi(
    changeRoute(
      "client",
      "Change a client (a new phone derives a new operator code unless one is given)",
      jsonBody(updateClientSchema),
      clientSchema,
      "Phone already registered",
    ),
    async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      return c.json(await updateClient(deps, { id, change }, commandMeta(c)), 200);
    },
  );

  router.openapi(
    deleteRoute("client", "Delete a client; its messages not yet sent expire"),
    async (c) => {
      await deleteClient(deps, c.req.valid("param"), commandMeta(c));
      return c.body(null, 204);
    },
  );

  return router;
}
