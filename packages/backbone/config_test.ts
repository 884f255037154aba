import assert from "node:assert/strict";
import { z } from "zod";
import { ConfigError, env, loadConfig } from "./config.ts";

Deno.test("config parses, applies defaults and freezes", () => {
  const config = loadConfig({ PORT: env.port(8080), NAME: z.string() }, { NAME: "orders" });
  assert.equal(config.PORT, 8080);
  assert.equal(config.NAME, "orders");
  assert.ok(Object.isFrozen(config));
});

Deno.test("a bad value stops start-up naming the variable and the value", () => {
  assert.throws(
    () => loadConfig({ PORT: env.port(8080) }, { PORT: "eighty" }),
    (err: unknown) =>
      err instanceof ConfigError && err.message.includes("PORT") &&
      err.message.includes('"eighty"'),
  );
});

Deno.test("a missing required value is named as not set", () => {
  assert.throws(
    () => loadConfig({ PROVIDER_TOKEN: z.string() }, {}),
    /PROVIDER_TOKEN: .*\(not set\)/,
  );
});

Deno.test("flags accept true/false/1/0 only", () => {
  assert.equal(loadConfig({ F: env.flag(false) }, { F: "1" }).F, true);
  assert.throws(() => loadConfig({ F: env.flag(false) }, { F: "yes" }), /F:/);
});

Deno.test("a secret comes from its variable or the file <NAME>_FILE names", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "s3cret-from-file\n");
  try {
    const shape = { TOKEN: env.secret() };
    assert.equal(loadConfig(shape, { TOKEN: "from-env" }).TOKEN, "from-env");
    assert.equal(loadConfig(shape, { TOKEN_FILE: file }).TOKEN, "s3cret-from-file");
    assert.throws(() => loadConfig(shape, {}), /TOKEN: .*\(not set\)/);
    assert.throws(
      () => loadConfig(shape, { TOKEN_FILE: `${file}.missing` }),
      /TOKEN_FILE: cannot read .*\.missing \(NotFound\)/,
    );
    // Only secrets are read from files: a plain setting ignores <NAME>_FILE.
    assert.equal(loadConfig({ PORT: env.port(1) }, { PORT_FILE: file }).PORT, 1);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("no configuration error shows a secret or the password of a URL", () => {
  const secret = "hunter2-very-secret";
  const messages = [
    () => loadConfig({ TOKEN: env.secret().regex(/^tok_/) }, { TOKEN: secret }),
    () => loadConfig({ KEY: env.optionalSecret().refine(() => false) }, { KEY: secret }),
    () =>
      loadConfig({ DATABASE_URL: env.databaseUrl("x") }, {
        DATABASE_URL: `mysql://app:${secret}@db:3306/x`,
      }),
    () => loadConfig({ NATS_URL: env.natsUrl() }, { NATS_URL: `http://user:${secret}@nats:4222` }),
  ].map((load) => {
    try {
      load();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("expected a ConfigError");
  });
  for (const message of messages) assert.doesNotMatch(message, new RegExp(secret), message);
  assert.match(messages[0], /TOKEN: .*\(the value is secret and not shown\)/);
  assert.match(messages[2], /DATABASE_URL: .*got "mysql:\/\/app:\*\*\*@db:3306\/x"/);
});
