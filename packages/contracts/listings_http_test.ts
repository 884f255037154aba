import assert from "node:assert/strict";
import { z } from "@hono/zod-openapi";
import { toProblem } from "@flotilla/backbone";
import { idParamSchema, pageQueryShape, resultNotFound, resultSchema } from "./listings_http.ts";

Deno.test("a 404 of the family is a problem document that also says result: false and the error", () => {
  const doc = toProblem(resultNotFound("Listing 9 not found"), "/api/v1/listings/9");
  assert.equal(doc.status, 404);
  assert.equal(doc.detail, "Listing 9 not found");
  assert.equal(doc.result, false);
  assert.equal(doc.error, "Listing 9 not found");
});

Deno.test("ids are positive integers from the path; pages default to 1 and 10, 100 at most", () => {
  assert.deepEqual(idParamSchema.parse({ id: "7" }), { id: 7 });
  for (const id of ["0", "-1", "1.5", "x"]) {
    assert.equal(idParamSchema.safeParse({ id }).success, false, id);
  }
  const page = z.object(pageQueryShape);
  assert.deepEqual(page.parse({}), { page_num: 1, page_size: 10 });
  assert.equal(page.safeParse({ page_size: "101" }).success, false);
  assert.equal(page.safeParse({ page_num: "0" }).success, false);
});

Deno.test("a success is { result: true, <name>: ... } and nothing else passes for it", () => {
  const body = resultSchema("user", z.object({ id: z.number() }));
  assert.deepEqual(body.parse({ result: true, user: { id: 1 } }), {
    result: true,
    user: { id: 1 },
  });
  assert.equal(body.safeParse({ result: false, user: { id: 1 } }).success, false);
  assert.equal(body.safeParse({ result: true }).success, false);
});
