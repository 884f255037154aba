/**
 * `deno task fuzz [--seed N] [--runs N] [--only 'GET /api/v1/users/{id}']`: starts the whole
 * fleet on a throw-away nats-server and PostgreSQL, creates a few of everything, then sends
 * malformed and plausible requests to every operation of the gateway's /openapi.json (the BFF's
 * /public routes included). Fails (exit 1) on any 5xx, a 2xx for input known to be invalid, an
 * error that is not problem+json, a service that stops answering, or a dead letter caused by an
 * accepted request; each finding is printed as a curl command and the way to replay it.
 */
import { parseArgs } from "node:util";
import { startPostgres } from "@flotilla/infra";
import { curl } from "./curl.ts";
import { startFleet } from "./fleet.ts";
import { createFixtures } from "./fixtures.ts";
import { fuzz, type FuzzReport } from "./run.ts";

/** Where the printed curl commands point: the gateway of `deno task dev`. */
const DEV_GATEWAY = "http://127.0.0.1:8080";

export function printReport(report: FuzzReport, seed: number, runs: number) {
  const { findings } = report;
  const answers = Object.entries(report.answers).sort().map(([k, n]) => `${n} ${k}`).join(", ");
  console.log(
    `fuzz: seed ${seed}, ${report.requests} requests (${report.malformed} malformed on purpose; ` +
      `answers: ${answers}) over ${report.operations} operations in ${
        report.seconds.toFixed(1)
      } s: ${findings.length} finding(s)`,
  );
  findings.forEach((f, i) => {
    console.log(`\nFINDING ${i + 1}: ${f.request.op}: ${f.problem}`);
    if (f.status !== undefined) console.log(`  answer: ${f.status} ${f.answer ?? ""}`);
    console.log(`  ${curl(DEV_GATEWAY, f.request, {})}`);
    console.log(`  replay: deno task fuzz --seed ${seed} --runs ${runs} --only '${f.request.op}'`);
  });
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    args: Deno.args,
    options: { seed: { type: "string" }, runs: { type: "string" }, only: { type: "string" } },
  });
  const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
  const runs = Number(args.runs ?? 3000);
  if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
    console.error("usage: deno task fuzz [--seed <integer>] [--runs <count>] [--only <operation>]");
    Deno.exit(2);
  }
  const dir = await Deno.makeTempDir({ prefix: "flotilla-fuzz-" });
  await Deno.chmod(dir, 0o755);
  const pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
  Deno.env.set("FLOTILLA_TEST_PG", pg.adminUrlFor("postgres"));
  let report: FuzzReport;
  try {
    console.log(`fuzz: starting the fleet (seed ${seed}, ${runs} requests)…`);
    await using fleet = await startFleet();
    await createFixtures(fleet.gateway, fleet.headers);
    const nats = await fleet.connect();
    report = await fuzz({
      gateway: fleet.gateway,
      headers: fleet.headers,
      seed,
      runs,
      only: args.only,
      health: Object.fromEntries(Object.entries(fleet.processes).map(([n, p]) => [n, p.url])),
      nats,
      log: (line) => console.log(`  ${line}`),
    });
    // What the fleet logged (warnings and errors) helps with a finding that has no answer.
    if (report.findings.length > 0) {
      for (const [name, process] of Object.entries(fleet.processes)) {
        const lines = process.output().trim().split("\n").filter(Boolean).slice(-10);
        if (lines.length > 0) console.log(`--- ${name} logged:\n${lines.join("\n")}`);
      }
    }
  } finally {
    await pg.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  printReport(report, seed, runs);
  Deno.exit(report.findings.length === 0 ? 0 : 1);
}
