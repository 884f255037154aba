import assert from "node:assert/strict";
import { connect } from "@nats-io/transport";
import { natsAuthOptions } from "@flotilla/backbone";
import { integration } from "@flotilla/testkit";
import { requireCommand } from "./install.ts";
import { startNats } from "./nats.ts";
import { generate, nkeyPublicKey } from "./secrets.ts";

/** A throw-away CA and a server certificate for 127.0.0.1 signed by it. */
async function certificates(dir: string) {
  const openssl = await requireCommand("openssl", "openssl");
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(openssl, { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=test CA",
  );
  await run("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  );
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}

integration(
  "with TLS configured, clients that trust the CA connect; plain ones do not",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "flotilla-tls-" });
    const seed = await generate("nkey");
    const tls = await certificates(dir);
    const nats = await startNats({
      dir: `${dir}/nats`,
      users: [{ nkey: nkeyPublicKey(seed) }],
      tls: { certFile: tls.cert, keyFile: tls.key },
    });
    try {
      const nc = await connect({
        servers: nats.url,
        ...natsAuthOptions({ nkey: seed, tls: { caFile: tls.ca } }),
      });
      assert.equal(nc.info?.tls_required, true);
      await nc.flush();
      await nc.close();
      await assert.rejects(
        connect({ servers: nats.url, reconnect: false, ...natsAuthOptions({ nkey: seed }) }),
      );
    } finally {
      await nats.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
