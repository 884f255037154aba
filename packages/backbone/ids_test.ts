import assert from "node:assert/strict";
import { isUuid, uuidv7, uuidv7Time } from "./ids.ts";

Deno.test("uuidv7 ids are valid, carry their time and sort in creation order", () => {
  const ids = Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000));
  assert.ok(ids.every(isUuid));
  assert.equal(ids[0][14], "7");
  assert.ok(["8", "9", "a", "b"].includes(ids[0][19]));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  const later = uuidv7(1_800_000_000_000);
  assert.equal(uuidv7Time(later), 1_800_000_000_000);
  assert.ok(later > ids[ids.length - 1]);
});
