/** API key management over HTTP at the gateway: admin only, the key shown once, revocation. */
import assert from "node:assert/strict";
import { startGateway, stubUpstream } from "@flotilla/gateway/testing";
import { bearer, createTestKey, eventually, integration, testEnv } from "@flotilla/testkit";

integration("an admin makes, lists and revokes keys; nobody else may", async () => {
  await using env = await testEnv();
  await using users = stubUpstream(() => Response.json({ ok: true }));
  await using gateway = await startGateway(env, { UPSTREAM_USERS: users.url });
  const keys = (init: RequestInit & { as?: Record<string, string> } = {}, path = "") =>
    gateway.fetch(`/api/v1/keys${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...init.as },
    });

  const made = await keys({
    method: "POST",
    body: JSON.stringify({ name: "reporting", scopes: ["listings:read"], user: 7 }),
  });
  assert.equal(made.status, 201);
  const created = await made.json();
  assert.match(created.key, /^flt_[a-z0-9]{12}_[\w-]{43}$/);
  assert.deepEqual([created.name, created.scopes, created.user], [
    "reporting",
    ["listings:read"],
    "7",
  ]);
  assert.equal(
    (await gateway.fetch("/api/v1/users", { headers: bearer(created.key) })).status,
    200,
  );

  const listed = await (await keys()).json();
  const entry = listed.find((k: { id: string }) => k.id === created.id);
  assert.equal(entry.name, "reporting");
  assert.equal(JSON.stringify(listed).includes(created.key), false, "the key is never shown again");
  assert.equal("hash" in entry, false);

  const bad = await keys({ method: "POST", body: JSON.stringify({ name: "x", scopes: ["root"] }) });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).errors[0].path, "scopes.0");

  const notAdmin = bearer((await createTestKey(env, { scopes: ["listings:read"] })).key);
  const refused = await keys({ as: notAdmin });
  assert.equal(refused.status, 403);
  assert.match((await refused.json()).detail, /needs the scope admin/);

  const revoked = await keys({ method: "DELETE" }, `/${created.id}`);
  assert.equal(revoked.status, 200);
  assert.ok((await revoked.json()).revoked_at);
  await eventually("the revoked key refused", async () => {
    const res = await gateway.fetch("/api/v1/users", { headers: bearer(created.key) });
    await res.body?.cancel();
    return res.status === 401;
  }, 10_000);
  assert.equal((await keys({ method: "DELETE" }, "/nosuchkey000")).status, 404);
});
