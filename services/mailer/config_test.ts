import assert from "node:assert/strict";
import { loadMailerConfig } from "./config.ts";

Deno.test("the provider token has no default: the mailer does not start without one", () => {
  assert.throws(() => loadMailerConfig({}), /PROVIDER_TOKEN: .*\(not set\)/);
  assert.equal(loadMailerConfig({ PROVIDER_TOKEN: "t0k3n" }).PROVIDER_TOKEN, "t0k3n");
});
