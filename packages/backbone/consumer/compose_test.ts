import assert from "node:assert/strict";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { all, compose, type Step } from "./compose.ts";

Deno.test("compose runs the steps in the order given, each around the rest", async () => {
  const trace: string[] = [];
  const step = (name: string): Step<{ n: number }> => (next) => async (work) => {
    trace.push(`${name} in`);
    const outcomes = await next(work);
    trace.push(`${name} out`);
    return outcomes;
  };
  const handle = compose(
    (work) => {
      trace.push("last");
      return Promise.resolve(all(work, "ack"));
    },
    step("a"),
    step("b"),
  );
  assert.deepEqual(await handle([fakeDelivery({ n: 1 }), fakeDelivery({ n: 2 })]), ["ack", "ack"]);
  assert.deepEqual(trace, ["a in", "b in", "last", "b out", "a out"]);
});
