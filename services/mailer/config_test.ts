import assert from "node:assert/strict";
import { testIdentity } from "@flotilla/testkit";
import { loadMailerConfig } from "./config.ts";

Deno.test("the provider token has no default: the mailer does not start without one", () => {
  const identity = { IDENTITY_PUBLIC_KEY: testIdentity.env.IDENTITY_PUBLIC_KEY };
  assert.throws(() => loadMailerConfig(identity), /PROVIDER_TOKEN: .*\(not set\)/);
  assert.equal(loadMailerConfig({ ...identity, PROVIDER_TOKEN: "t0k3n" }).PROVIDER_TOKEN, "t0k3n");
});
