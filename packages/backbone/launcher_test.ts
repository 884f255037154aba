import assert from "node:assert/strict";
import { freePort } from "@flotilla/infra";
import { eventually, integration, testCatalog, testEnv, testIdentity } from "@flotilla/testkit";

integration(
  "a service creates nothing itself: it waits for the provision step, saying what it misses",
  async () => {
    await using env = await testEnv();
    // Its database is provisioned (roles, migrations); JetStream is not.
    const vars = await env.serviceEnv("batch-worker");
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./testdata/batch_worker.ts", import.meta.url).pathname],
      env: { ...vars, ...testIdentity.env, PORT: String(port), LOG_LEVEL: "info" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    env.defer(async () => {
      child.kill("SIGKILL");
      await child.status;
    });
    let out = "";
    const decoder = new TextDecoder();
    (async () => {
      for await (const chunk of child.stdout) out += decoder.decode(chunk);
    })().catch(() => {});
    child.stderr.pipeTo(new WritableStream()).catch(() => {});
    await eventually(
      "it says what it waits for",
      () =>
        out.includes(
          "waiting for stream DLQ, consumer TEST/test-worker (created by the provision step",
        ),
      30_000,
    );
    const healthz = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false);
    assert.equal(await healthz(), false, "it does not serve before it has what it needs");
    assert.doesNotMatch(out, /Permissions Violation/);

    await env.provision(testCatalog);
    await eventually("it starts once provisioned", healthz, 30_000);
  },
);
