import assert from "node:assert/strict";
import { numberFlags } from "./flags.ts";

const defaults = { events: 100_000, queries: 1_000 };

Deno.test("numberFlags: defaults where a flag is absent, numbers where it is given", () => {
  assert.deepEqual(numberFlags(defaults, []), defaults);
  assert.deepEqual(numberFlags(defaults, ["--events", "2000"]), { events: 2000, queries: 1_000 });
  assert.deepEqual(numberFlags(defaults, ["--queries=5", "--events", "0"]), {
    events: 0,
    queries: 5,
  });
});

Deno.test("numberFlags: a value that is not a number names its flag", () => {
  assert.throws(() => numberFlags(defaults, ["--events", "lots"]), /--events takes a number/);
  assert.throws(() => numberFlags(defaults, ["--queries="]), /--queries takes a number/);
});

Deno.test("numberFlags: an unknown flag stops the bench", () => {
  assert.throws(() => numberFlags(defaults, ["--event", "2000"]), /--event/);
});
