import assert from "node:assert/strict";
import { SecretStore } from "./secrets.ts";

Deno.test("a new store is private, and the directories made for it stay reachable", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.chmod(root, 0o755);
    const store = await SecretStore.open(`${root}/data/secrets`);
    const file = await store.file("postgres-x.password", "password");
    const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;
    assert.equal(await mode(`${root}/data/secrets`), 0o700);
    assert.equal(await mode(file), 0o600);
    // PostgreSQL, run as another user, keeps its data beside the store (dev's .data/pg).
    assert.ok((await mode(`${root}/data`)) & 0o001, "others may pass through the parent");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
