/** `/api/v1/clients`: create, read, change, delete and page through clients. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  auditEvent,
  type Catalog,
  createRouter,
  enqueue,
  jsonContent,
  NotFoundError,
  problemContent,
  requestActor,
  type Sql,
} from "@flotilla/backbone";
import {
  deleteClient,
  findClient,
  insertClient,
  listClients,
  saveClient,
} from "../adapters/repo.ts";
import {
  type Client,
  clientSchema,
  createClientSchema,
  operatorCodeOf,
  updateClientSchema,
} from "../domain/model.ts";
import { causeOf, idParam, pageQuery } from "./common.ts";

export interface ClientRouteDeps {
  service: string;
  sql: Sql;
  catalog: Catalog;
}

const notFound = (id: number) => new NotFoundError(`Client ${id} not found`);

export function clientRoutes(deps: ClientRouteDeps) {
  const { service, sql, catalog } = deps;
  const router = createRouter();
  const audit = (
    c: Parameters<typeof requestActor>[0],
    action: string,
    id: number,
    before: Client | null,
    after: Client | null,
  ) =>
    auditEvent({
      source: service,
      actor: requestActor(c),
      action,
      target: { type: "client", id },
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
      cause: causeOf(c),
    });

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
      const body = c.req.valid("json");
      const client = await sql.begin(async (tx) => {
        const client = await insertClient(tx, {
          phone: body.phone,
          operator_code: body.operator_code ?? operatorCodeOf(body.phone),
          tag: body.tag,
          timezone: body.timezone,
        });
        await enqueue(tx, catalog, audit(c, "client.created", client.id, null, client));
        return client;
      });
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
      if (!client) throw notFound(id);
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
      const client = await sql.begin(async (tx) => {
        const before = await findClient(tx, id, { forUpdate: true });
        if (!before) throw notFound(id);
        const phone = change.phone ?? before.phone;
        const operator_code = change.operator_code ??
          (change.phone ? operatorCodeOf(change.phone) : before.operator_code);
        const after = await saveClient(tx, {
          ...before,
          phone,
          operator_code,
          tag: change.tag ?? before.tag,
          timezone: change.timezone ?? before.timezone,
        });
        await enqueue(tx, catalog, audit(c, "client.updated", id, before, after));
        return after;
      });
      return c.json(client, 200);
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
      const { id } = c.req.valid("param");
      await sql.begin(async (tx) => {
        const before = await findClient(tx, id, { forUpdate: true });
        if (!before) throw notFound(id);
        await deleteClient(tx, id);
        await enqueue(tx, catalog, audit(c, "client.deleted", id, before, null));
      });
      return c.body(null, 204);
    },
  );

  return router;
}
