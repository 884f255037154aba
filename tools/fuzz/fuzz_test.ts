/**
 * A bounded fuzz run inside `deno task test` (the full one is `deno task fuzz`), and the
 * fuzzer's own pieces: the oracle and the curl rendering. FUZZ_SEED and FUZZ_RUNS override the
 * run's seed (fixed, so a failure reproduces) and size.
 */
import assert from "node:assert/strict";
import { integration } from "@flotilla/testkit";
import { curl } from "./curl.ts";
import { startFleet } from "./fleet.ts";
import { createFixtures } from "./fixtures.ts";
import { printReport } from "./main.ts";
import { fuzz, judge } from "./run.ts";
import type { FuzzRequest } from "./requests.ts";

const request = (invalid?: string): FuzzRequest => ({
  op: "POST /api/v1/users",
  method: "POST",
  target: "/api/v1/users",
  headers: { "content-type": "application/json" },
  body: { head: new Uint8Array([0x7b, 0x22, 0xff, 0x27, 0x7d]) },
  invalid,
});

Deno.test("the oracle: 5xx, a 2xx for invalid input, and a non-problem error are findings", () => {
  assert.match(judge(request(), 500, "application/problem+json")!, /answered 500/);
  assert.match(judge(request("a NUL character"), 201, "application/json")!, /NUL/);
  assert.match(judge(request(), 404, "text/plain")!, /not application\/problem\+json/);
  assert.equal(judge(request("a NUL character"), 400, "application/problem+json"), undefined);
  assert.equal(judge(request(), 201, "application/json"), undefined);
});

Deno.test("a finding prints as a curl command with every byte escaped", () => {
  const text = curl("http://127.0.0.1:8080", request(), { authorization: "Bearer t" });
  assert.equal(
    text,
    "curl -i -X POST $'http://127.0.0.1:8080/api/v1/users' -H $'authorization: Bearer t' " +
      "-H $'content-type: application/json' --data-binary $'{\"\\xff\\'}'",
  );
  const padded = curl("http://h", {
    ...request(),
    body: {
      head: new Uint8Array([0x7b]),
      pad: { byte: 0x61, count: 5 },
      tail: new Uint8Array([0x7d]),
    },
  }, {});
  assert.match(
    padded,
    /--data-binary @<\(printf %s \$'\{'; head -c 5 \/dev\/zero \| tr '\\0' \$'a'; printf %s \$'\}'\)$/,
  );
});

integration("a bounded fuzz run over every operation of the fleet finds nothing", async () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? "20261128");
  const runs = Number(Deno.env.get("FUZZ_RUNS") ?? "600");
  const started = performance.now();
  await using fleet = await startFleet();
  await createFixtures(fleet.gateway, fleet.headers);
  const ready = performance.now();
  const report = await fuzz({
    gateway: fleet.gateway,
    headers: fleet.headers,
    seed,
    runs,
    health: Object.fromEntries(Object.entries(fleet.processes).map(([n, p]) => [n, p.url])),
    nats: await fleet.connect(),
  });
  printReport(report, seed, runs);
  console.log(
    `fuzz test: fleet and fixtures ${((ready - started) / 1000).toFixed(1)} s, fuzz ${
      report.seconds.toFixed(1)
    } s`,
  );
  assert.ok(report.operations >= 40, `${report.operations} operations`);
  assert.ok(report.requests >= runs, `${report.requests} requests`);
  assert.ok(report.malformed > runs / 4, `${report.malformed} malformed requests`);
  assert.ok((report.answers["2xx"] ?? 0) > runs / 10, "plausible requests get accepted too");
  assert.deepEqual(report.findings.map((f) => `${f.request.op}: ${f.problem}`), []);
});
