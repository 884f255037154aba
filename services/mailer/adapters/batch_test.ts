import assert from "node:assert/strict";
import { Batch } from "./batch.ts";

Deno.test("concurrent adds share one run, each gets its own answer", async () => {
  const runs: number[][] = [];
  const batch = new Batch<number, number>(
    (items) => {
      runs.push(items);
      return Promise.resolve(items.map((n) => n * 2));
    },
    3,
    5,
  );
  const out = await Promise.all([1, 2, 3, 4].map((n) => batch.add(n)));
  assert.deepEqual(out, [2, 4, 6, 8]);
  assert.deepEqual(runs, [[1, 2, 3], [4]], "full at 3, the rest after the wait");
});

Deno.test("a failed run fails every caller in it", async () => {
  const batch = new Batch<number, number>(() => Promise.reject(new Error("db down")));
  const results = await Promise.allSettled([batch.add(1), batch.add(2)]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
});
