import assert from "node:assert/strict";
import { ConflictError, isUnavailableError } from "./errors.ts";
import { postgresGuard } from "./postgres_guard.ts";

const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

Deno.test("Postgres unreachable: 503-kind errors, then the circuit opens and fails fast", async () => {
  const guard = postgresGuard({ threshold: 3, halfOpenAfterMs: 60_000 });
  let calls = 0;
  const down = () => {
    calls++;
    return Promise.reject(refused());
  };
  for (let i = 0; i < 3; i++) {
    await assert.rejects(() => guard(down), (err) => isUnavailableError(err));
  }
  await assert.rejects(() => guard(down), /circuit open/);
  assert.equal(calls, 3, "the open circuit did not call Postgres");
});

Deno.test("business errors pass through and do not open the circuit", async () => {
  const guard = postgresGuard({ threshold: 2 });
  for (let i = 0; i < 5; i++) {
    await assert.rejects(
      () => guard(() => Promise.reject(new ConflictError("exists"))),
      (err) => err instanceof ConflictError,
    );
  }
  assert.equal(await guard(() => Promise.resolve(42)), 42);
});
