import assert from "node:assert/strict";
import { integration } from "@flotilla/testkit";

integration(
  "deno task dev starts infrastructure and every service, prints where, and stops cleanly on Ctrl-C",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "flotilla-dev-" });
    await Deno.chmod(dataDir, 0o755);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../tools/dev.ts", import.meta.url).pathname],
      env: {
        FLOTILLA_DATA_DIR: dataDir,
        FLOTILLA_PORT_OFFSET: "1000",
        NATS_URL: "",
        DATABASE_URL: "",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let out = "";
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of child.stdout) out += decoder.decode(chunk);
    })();
    child.stderr.pipeTo(new WritableStream()).catch(() => {});
    try {
      const deadline = Date.now() + 90_000;
      while (!out.includes("Ctrl-C stops everything") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(out, /nats-server with JetStream on nats:\/\/127\.0\.0\.1:\d+/);
      assert.match(out, /PostgreSQL on postgres:\/\//);
      assert.match(out, /provisioned JetStream/);
      const urls = [...out.matchAll(/^ {2}[\w-]+ +(http:\/\/127\.0\.0\.1:\d+) /gm)].map((m) =>
        m[1]
      );
      assert.ok(urls.length >= 1, `service URLs printed:\n${out}`);
      for (const url of urls) {
        let ok = false;
        while (!ok && Date.now() < deadline) {
          ok = await fetch(`${url}/healthz`).then(async (r) => {
            await r.body?.cancel();
            return r.ok;
          }, () => false);
          if (!ok) await new Promise((r) => setTimeout(r, 250));
        }
        assert.ok(ok, `${url}/healthz answers`);
      }
    } finally {
      child.kill("SIGINT");
    }
    const status = await child.status;
    await reading;
    assert.equal(status.code, 0, out.slice(-2_000));
    assert.match(out, /\[dev\] stopped\./);
    const nats = /nats:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1];
    const closed = await Deno.connect({ hostname: "127.0.0.1", port: Number(nats) }).then(
      (c) => (c.close(), false),
      () => true,
    );
    assert.ok(closed, "nats-server was stopped");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  },
);
