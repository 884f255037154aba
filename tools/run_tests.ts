/**
 * `deno task test`: starts a throw-away PostgreSQL cluster (each test file starts its own
 * nats-server through the harness), runs every test, stops it all, and ends with the line
 * `N passed, N failed`. Arguments are passed to `deno test` (a path, `--filter`, …).
 */
import { chromiumBinary, natsServerBinary, postgresBinDir, startPostgres } from "@flotilla/infra";

if (Deno.env.get("FLOTILLA_TEST_RUNNER")) {
  console.error("tools/run_tests.ts is running inside a test run; refusing to recurse");
  Deno.exit(2);
}
const started = Date.now();
// What the tests need, installed first when missing (or a stop with the exact command), instead
// of a failure in every file that needs it.
await natsServerBinary();
await postgresBinDir();
await chromiumBinary();
const dir = await Deno.makeTempDir({ prefix: "flotilla-test-pg-" });
await Deno.chmod(dir, 0o755);
const pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
console.error(`[test] PostgreSQL on ${pg.url}`);

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--parallel", ...Deno.args],
  env: { FLOTILLA_TEST_PG: pg.adminUrlFor("postgres"), FLOTILLA_TEST_RUNNER: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

const stop = async () => {
  await pg.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
};
Deno.addSignalListener("SIGINT", () => {
  child.kill("SIGINT");
});

let passed = 0;
let failed = 0;
const decoder = new TextDecoder();
let tail = "";
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4_000);
}
const status = await child.status;
await stop();
// deno's summary line: "ok | 12 passed | 0 failed (3s)" or "FAILED | 10 passed | 2 failed (…)"
const clean = tail.replace(new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"), "");
const summary = /(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed/.exec(clean);
if (summary) {
  passed = Number(summary[1]);
  failed = Number(summary[3]);
}
console.log(`\n[test] finished in ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(status.success ? 0 : status.code || 1);
