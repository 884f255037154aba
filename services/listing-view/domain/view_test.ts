import assert from "node:assert/strict";
import { containsPattern, viewQuerySchema } from "./view.ts";

Deno.test("query defaults to the first page of 10 and coerces numbers", () => {
  assert.deepEqual(viewQuerySchema.parse({ user_id: "3" }), {
    page_num: 1,
    page_size: 10,
    user_id: 3,
  });
});

Deno.test("a price range upside down is refused, naming min_price", () => {
  const r = viewQuerySchema.safeParse({ min_price: "10", max_price: "5" });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0].path, ["min_price"]);
});

Deno.test("q matches literally: LIKE wildcards in it are escaped", () => {
  assert.equal(containsPattern("50%_off\\"), "%50\\%\\_off\\\\%");
});
