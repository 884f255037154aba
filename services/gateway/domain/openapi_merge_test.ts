import assert from "node:assert/strict";
import type { OpenApiDocument } from "@flotilla/backbone";
import { usersOpenApi as users } from "../testing.ts";
import { mergeOpenApi } from "./openapi_merge.ts";

const own: OpenApiDocument = {
  openapi: "3.0.3",
  info: { title: "gateway", version: "1.0.0" },
  paths: { "/public/users": { post: { summary: "Create user" } } },
};
const listings: OpenApiDocument = {
  paths: { "/api/v1/listings": { get: { summary: "List" } } },
  components: { schemas: { Error: { type: "string" } } },
};
const routes = (upstream: string, path: string) => path.startsWith(`/api/v1/${upstream}`);

Deno.test("paths routed to an upstream are merged, others are left out", () => {
  const doc = mergeOpenApi(own, [{ upstream: "users", doc: users }], { title: "all", routes });
  assert.deepEqual(Object.keys(doc.paths!).sort(), ["/api/v1/users", "/public/users"]);
  const op = doc.paths!["/api/v1/users"].post as Record<string, unknown>;
  assert.equal(op["x-upstream"], "users");
  assert.deepEqual(op.tags, ["users"]);
});

Deno.test("components are renamed per upstream, refs follow, and same names do not collide", () => {
  const doc = mergeOpenApi(own, [
    { upstream: "users", doc: users },
    { upstream: "listings", doc: listings },
  ], { title: "all", routes });
  const schemas = doc.components!.schemas;
  assert.deepEqual(Object.keys(schemas).sort(), ["listings.Error", "users.Error", "users.User"]);
  const json = JSON.stringify(doc.paths);
  assert.ok(json.includes('"#/components/schemas/users.User"'));
});

Deno.test("an unavailable upstream is named in the document", () => {
  const doc = mergeOpenApi(own, [
    { upstream: "users", doc: users },
    { upstream: "orders", unavailable: "connection refused" },
  ], { title: "all", routes });
  assert.deepEqual(doc["x-upstreams"], {
    users: "available",
    orders: "unavailable: connection refused",
  });
  assert.match(doc.info!.description!, /orders \(unavailable: connection refused\)/);
});
