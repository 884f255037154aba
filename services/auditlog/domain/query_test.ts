import assert from "node:assert/strict";
import { ValidationError } from "@flotilla/backbone";
import { checkRange, decodeCursor, encodeCursor } from "./query.ts";

Deno.test("a cursor round-trips and is URL-safe", () => {
  const c = { occurred_at: "2026-03-04T05:06:07.089Z", seq: 123456789 };
  const text = encodeCursor(c);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(text), c);
});

Deno.test("a forged or garbled cursor is a validation error naming the cursor", () => {
  for (const bad of ["!!!", btoa("2026-01-01|x"), btoa("yesterday|5"), ""]) {
    assert.throws(() => decodeCursor(bad), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.issues[0].path, "cursor");
      return true;
    });
  }
});

Deno.test("from must be before to", () => {
  checkRange({ from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" });
  checkRange({ from: "2026-01-01T00:00:00Z" });
  assert.throws(
    () => checkRange({ from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
    /to: must be later than from/,
  );
});
