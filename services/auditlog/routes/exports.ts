/** `/api/v1/audit-logs/exports`: request an export (202), follow it, download the gzip NDJSON. */
import { createRoute, z } from "@hono/zod-openapi";
import type { ObjectStore } from "@nats-io/obj";
import {
  type CommandDeps,
  commandMeta,
  ConflictError,
  createRouter,
  jsonBody,
  NotFoundError,
  queryInteger,
  requires,
} from "@flotilla/backbone";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import { type ExportJob, getExport, listExports } from "../adapters/export_repo.ts";
import { requestExport } from "../commands/request_export.ts";
import { exportSchema, filtersSchema, problemJson } from "./schemas.ts";

export interface ExportRouteDeps extends CommandDeps {
  exportsBucket: () => Promise<ObjectStore>;
  /** Nudges this replica's export worker (the others hear the NOTIFY). */
  onExportRequested?: () => void;
}

const BASE = "/api/v1/audit-logs/exports";

function view(job: ExportJob) {
  return {
    ...job,
    filters: job.filters as Record<string, string>,
    bucket: AUDIT_EXPORTS_BUCKET,
    links: { self: `${BASE}/${job.id}`, download: `${BASE}/${job.id}/download` },
  };
}

const idParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export function exportRoutes(deps: ExportRouteDeps) {
  const { sql } = deps;
  const router = createRouter();
  const findExport = async (id: string) => {
    const job = await getExport(sql, id);
    if (!job) throw new NotFoundError(`Export "${id}" not found`);
    return job;
  };

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      ...requires("audit:write"),
      summary: "Export the audit logs matching the filters to the object store (gzip NDJSON)",
      request: { body: jsonBody(filtersSchema, { required: false }) },
      responses: {
        202: {
          description: "Accepted; follow links.self",
          content: { "application/json": { schema: exportSchema } },
        },
        400: { description: "Invalid filters", content: problemJson },
      },
    }),
    async (c) => {
      const filters = c.req.valid("json") ?? {};
      const job = await requestExport(deps, { filters }, commandMeta(c));
      deps.onExportRequested?.();
      const body = view(job);
      c.header("location", body.links.self);
      return c.json(body, 202);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("audit:read"),
      summary: "Recent exports, newest first",
      request: {
        query: z.object({ limit: queryInteger({ min: 1, max: 200, default: 50 }) }),
      },
      responses: {
        200: {
          description: "Exports",
          content: { "application/json": { schema: z.object({ data: z.array(exportSchema) }) } },
        },
      },
    }),
    async (c) => {
      const jobs = await listExports(sql, c.req.valid("query").limit);
      return c.json({ data: jobs.map(view) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      ...requires("audit:read"),
      summary: "An export's status, row count, size and digest",
      request: { params: idParams },
      responses: {
        200: {
          description: "The export",
          content: { "application/json": { schema: exportSchema } },
        },
        404: { description: "No such export", content: problemJson },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const job = await findExport(id);
      return c.json(view(job), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}/download",
      ...requires("audit:read"),
      summary: "Stream a completed export (application/gzip, NDJSON inside)",
      request: { params: idParams },
      responses: {
        200: {
          description: "The gzip NDJSON file",
          content: { "application/gzip": { schema: z.any() } },
        },
        404: { description: "No such export", content: problemJson },
        409: { description: "Not completed yet", content: problemJson },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const job = await findExport(id);
      if (job.status !== "completed") {
        throw new ConflictError(`Export "${id}" is ${job.status}, not completed`);
      }
      const object = await (await deps.exportsBucket()).get(job.object_name);
      if (!object) {
        throw new NotFoundError(`Export "${id}" is no longer in bucket ${AUDIT_EXPORTS_BUCKET}`);
      }
      return new Response(object.data, {
        status: 200,
        headers: {
          "content-type": "application/gzip",
          "content-length": String(object.info.size),
          "content-disposition": `attachment; filename="audit-logs-${id}.ndjson.gz"`,
          "x-object-digest": object.info.digest,
        },
      });
    },
  );
  return router;
}
