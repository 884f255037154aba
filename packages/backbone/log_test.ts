import assert from "node:assert/strict";
import { createLogger } from "./log.ts";

Deno.test("log lines are JSON with service, level and child context", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "orders", level: "info", sink: (l) => lines.push(l) });
  log.child({ correlation_id: "c-1" }).child({ event_id: "e-1" }).warn("slow", {
    err: new Error("boom"),
  });
  log.debug("hidden");
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.service, "orders");
  assert.equal(line.level, "warn");
  assert.equal(line.correlation_id, "c-1");
  assert.equal(line.event_id, "e-1");
  assert.deepEqual(line.err, { name: "Error", message: "boom" });
});
