import assert from "node:assert/strict";
import { dispositionOf } from "./disposition.ts";
import { NotFoundError, PermanentError, UnavailableError, ValidationError } from "./errors.ts";

Deno.test("permanent kinds are dead-lettered, dependencies down are held, the rest retried", () => {
  assert.equal(dispositionOf(new ValidationError("bad")), "dead_letter");
  assert.equal(dispositionOf(new PermanentError("rule")), "dead_letter");
  assert.equal(dispositionOf(new NotFoundError("gone")), "dead_letter");
  assert.equal(dispositionOf(new SyntaxError("Unexpected token")), "dead_letter");
  assert.equal(dispositionOf(Object.assign(new Error("dup"), { code: "23505" })), "dead_letter");
  assert.equal(dispositionOf(new UnavailableError("nats down")), "hold");
  assert.equal(
    dispositionOf(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })),
    "hold",
  );
  assert.equal(
    dispositionOf(Object.assign(new Error("serialization"), { code: "40001" })),
    "retry",
  );
  assert.equal(dispositionOf(new Error("who knows")), "retry");
});
