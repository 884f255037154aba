import assert from "node:assert/strict";
import { dispatch } from "./dispatch.ts";

Deno.test("dispatch runs at most `concurrency` units at once and waits for the last", async () => {
  const units = [1, 2, 3, 4, 5, 6, 7];
  let running = 0;
  let most = 0;
  const finished: number[] = [];
  await dispatch(
    () => Promise.resolve(units.shift()),
    async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 * (n % 3)));
      running--;
      finished.push(n);
    },
    3,
  );
  assert.equal(most, 3);
  assert.deepEqual([...finished].sort(), [1, 2, 3, 4, 5, 6, 7], "all finished before it resolved");
});

Deno.test("with concurrency 1, a unit starts after the one before it finished", async () => {
  const units = ["a", "b", "c"];
  const trace: string[] = [];
  await dispatch(() => Promise.resolve(units.shift()), async (u) => {
    trace.push(`${u} start`);
    await new Promise((r) => setTimeout(r, 5));
    trace.push(`${u} end`);
  }, 1);
  assert.deepEqual(trace, ["a start", "a end", "b start", "b end", "c start", "c end"]);
});
