import assert from "node:assert/strict";
import { createMetrics, silentLogger, type Sql } from "@flotilla/backbone";
import { createApp } from "./app.ts";

Deno.test("the OpenAPI document lists every audit-log endpoint", async () => {
  const app = createApp({
    service: "auditlog",
    logger: silentLogger,
    metrics: createMetrics("auditlog", { process: false }),
    sql: undefined as unknown as Sql, // not reached: no route runs a query
    exportsBucket: () => Promise.reject(new Error("not used")),
  });
  const res = await app.request("/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    "/api/v1/audit-logs",
    "/api/v1/audit-logs/exports",
    "/api/v1/audit-logs/exports/{id}",
    "/api/v1/audit-logs/exports/{id}/download",
    "/api/v1/audit-logs/verify",
    "/api/v1/audit-logs/{id}",
  ]);
  assert.ok(doc.paths["/api/v1/audit-logs"].get.parameters.some(
    (p: { name: string }) => p.name === "actor_id",
  ));
  assert.equal((await app.request("/docs")).status, 200);
});
