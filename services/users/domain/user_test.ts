import assert from "node:assert/strict";
import { createUserSchema, rename, type User } from "./user.ts";

const ada: User = { id: 1, name: "Ada", created_at: 10, updated_at: 10, version: 1 };

Deno.test("a rename bumps the version and the update time", () => {
  assert.deepEqual(rename(ada, "Ada L.", 20), {
    id: 1,
    name: "Ada L.",
    created_at: 10,
    updated_at: 20,
    version: 2,
  });
});

Deno.test("renaming to the same name changes nothing", () => {
  assert.equal(rename(ada, "Ada", 20), undefined);
});

Deno.test("a rename never moves updated_at backwards, even with a clock that did", () => {
  assert.equal(rename({ ...ada, updated_at: 50 }, "B", 20)?.updated_at, 50);
});

Deno.test("a blank name is refused and names are trimmed", () => {
  assert.equal(createUserSchema.safeParse({ name: "   " }).success, false);
  assert.equal(createUserSchema.parse({ name: "  Ada " }).name, "Ada");
});
