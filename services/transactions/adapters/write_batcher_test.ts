import assert from "node:assert/strict";
import { WriteBatcher } from "./write_batcher.ts";

Deno.test("concurrent submits share batches and each gets its own result", async () => {
  const batches: number[][] = [];
  const batcher = new WriteBatcher<number, number>(async (items) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((n) => n * 10);
  }, { maxBatch: 50, concurrency: 1 });
  const results = await Promise.all(Array.from({ length: 120 }, (_, i) => batcher.submit(i)));
  assert.deepEqual(results, Array.from({ length: 120 }, (_, i) => i * 10));
  assert.ok(batches.length <= 4, `few batches: ${batches.map((b) => b.length)}`);
  assert.ok(batches.every((b) => b.length <= 50));
});

Deno.test("a failing item fails alone; the rest of its batch succeeds", async () => {
  const batcher = new WriteBatcher<number, number>((items) => {
    if (items.includes(3)) return Promise.reject(new Error("bad item 3"));
    return Promise.resolve(items);
  });
  const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
});
