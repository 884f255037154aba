import assert from "node:assert/strict";
import { integration } from "@flotilla/testkit";
import { services } from "../tools/services.ts";

const root = new URL("..", import.meta.url).pathname;
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const closed = (port: number) =>
  Deno.connect({ hostname: "127.0.0.1", port }).then((c) => (c.close(), false), () => true);

integration(
  "deno task dev starts infrastructure and every service, prints where, and on Ctrl-C every service finishes its shutdown",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "flotilla-dev-" });
    await Deno.chmod(dataDir, 0o755);
    // In a process group of its own, like a job a terminal starts: Ctrl-C signals the group.
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "task", "dev"],
      cwd: root,
      env: {
        FLOTILLA_DATA_DIR: dataDir,
        FLOTILLA_PORT_OFFSET: "1000",
        NATS_URL: "",
        DATABASE_URL: "",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // setsid execs in place (the child is not a group leader), so its pid names the group.
    const ctrlC = () => Deno.kill(-child.pid, "SIGINT");
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
      ctrlC();
    }
    const status = await child.status;
    await reading;
    assert.equal(status.code, 0, out.slice(-2_000));
    assert.match(out, /\[dev\] stopped\./);
    assert.doesNotMatch(out, /second signal/, "no service was signalled twice");
    const shutdown = out.slice(out.indexOf("[dev] SIGINT: stopping services"));
    assert.doesNotMatch(
      shutdown,
      /NATS disconnected|shutdown step/,
      "the infrastructure outlived the services' shutdown",
    );
    const started = [];
    for (const s of services) {
      if (s.main.startsWith("services/") && await exists(`${root}${s.main}`)) started.push(s.name);
    }
    assert.ok(started.length > 0, "services under services/ were started");
    for (const name of started) {
      const stopped = new RegExp(`^${name} *\\| .*"msg":"stopped"`, "m");
      assert.match(out, stopped, `${name} finished its shutdown:\n${out.slice(-3_000)}`);
    }
    const nats = /nats:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1];
    assert.ok(await closed(Number(nats)), "nats-server was stopped");
    const pg = /PostgreSQL on postgres:\/\/[^@]+@127\.0\.0\.1:(\d+)/.exec(out)![1];
    assert.ok(await closed(Number(pg)), "PostgreSQL was stopped");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  },
);
