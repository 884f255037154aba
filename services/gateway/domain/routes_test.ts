import assert from "node:assert/strict";
import { matchRoute, type Route } from "./routes.ts";

const routes: Route[] = [
  { prefix: "/api/v1/listings", upstream: "listings" },
  { prefix: "/api/v1/listing-view", upstream: "listing-view" },
  { prefix: "/api/v1/users", upstream: "users" },
];

Deno.test("a prefix matches itself and the paths below it, on a segment boundary", () => {
  assert.equal(matchRoute(routes, "/api/v1/users")?.upstream, "users");
  assert.equal(matchRoute(routes, "/api/v1/users/42")?.upstream, "users");
  assert.equal(matchRoute(routes, "/api/v1/listings/7/photos/a.jpg")?.upstream, "listings");
  assert.equal(matchRoute(routes, "/api/v1/listing-view")?.upstream, "listing-view");
});

Deno.test("a path that only shares characters with a prefix matches nothing", () => {
  assert.equal(matchRoute(routes, "/api/v1/usersx"), undefined);
  assert.equal(matchRoute(routes, "/api/v1/listing"), undefined);
  assert.equal(matchRoute(routes, "/api/v2/users"), undefined);
});

Deno.test("the longest prefix wins", () => {
  const nested: Route[] = [
    { prefix: "/api/v1/a", upstream: "outer" },
    { prefix: "/api/v1/a/b", upstream: "inner" },
  ];
  assert.equal(matchRoute(nested, "/api/v1/a/b/c")?.upstream, "inner");
  assert.equal(matchRoute(nested, "/api/v1/a/c")?.upstream, "outer");
});
