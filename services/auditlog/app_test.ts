import assert from "node:assert/strict";
import { connectPostgres, createMetrics, silentLogger } from "@flotilla/backbone";
import { testIdentity } from "@flotilla/testkit";
import { createApp } from "./app.ts";
import { auditlogCatalog } from "./catalog.ts";
import { newKeys } from "./testing.ts";

Deno.test("the OpenAPI document lists every audit-log endpoint", async () => {
  const service = createApp({
    identity: await testIdentity.verifier("auditlog"),
    service: "auditlog",
    logger: silentLogger,
    metrics: createMetrics("auditlog", { process: false }),
    catalog: auditlogCatalog,
    // Never connects: no route runs a query here.
    sql: connectPostgres({ url: "postgres://127.0.0.1:1/none", name: "app-test" }),
    exportsBucket: () => Promise.reject(new Error("not used")),
    ...await newKeys(),
    checkpoints: {
      publish: () => Promise.reject(new Error("not used")),
      latest: () => Promise.reject(new Error("not used")),
      all: () => Promise.reject(new Error("not used")),
    },
  });
  const app = { request: testIdentity.request(service, "auditlog") };
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
