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
