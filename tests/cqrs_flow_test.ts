/**
 * The CQRS fleet as processes: users, listings and listing-view on real NATS and Postgres,
 * each with its own database, events flowing through the outboxes. (The gateway in front of
 * them is tested by the gateway's own tests.)
 */
import assert from "node:assert/strict";
import { eventually, integration, spawnService, testEnv, testIdentity } from "@flotilla/testkit";
import type { ViewItem } from "@flotilla/listing-view/testing";

integration(
  "write sides to read side: out-of-order user, rename, photo, a crashed view, the rebuild task",
  async () => {
    await using env = await testEnv();
    const db = async () => env.databaseUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
    const [users, listings, view] = await Promise.all([
      spawnService(env, { main: "services/users/main.ts", env: { DATABASE_URL: await db() } }),
      spawnService(env, { main: "services/listings/main.ts", env: { DATABASE_URL: await db() } }),
      (async () => {
        const url = await db();
        const p = await spawnService(env, {
          main: "services/listing-view/main.ts",
          env: { DATABASE_URL: url },
        });
        return Object.assign(p, { databaseUrl: url });
      })(),
    ]);
    const post = async (url: string, body: unknown) => {
      const audience = url.startsWith(`${users.url}/`) ? "users" : "listings";
      const res = await testIdentity.fetch(audience)(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return await res.json();
    };
    const viewOf = async (qs: string) => {
      const res = await testIdentity.fetch("listing-view")(`${view.url}/api/v1/listing-view${qs}`);
      assert.equal(res.status, 200);
      return ((await res.json()) as { listings: ViewItem[] }).listings;
    };

    // A listing for user 1 is written before user 1 exists.
    const { listing: early } = await post(`${listings.url}/api/v1/listings`, {
      user_id: 1,
      listing_type: "sale",
      price: 300000,
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await viewOf(""), [], "not served without its user");
    const { user } = await post(`${users.url}/api/v1/users`, { name: "Ada" });
    assert.equal(user.id, 1);
    const first = await eventually("early listing with its user", async () => {
      const items = await viewOf("");
      return items.length === 1 ? items[0] : undefined;
    });
    assert.equal(first.id, early.id);
    assert.deepEqual(first.user, {
      id: 1,
      name: "Ada",
      created_at: user.created_at,
      updated_at: user.updated_at,
    });

    const { listing: second } = await post(`${listings.url}/api/v1/listings`, {
      user_id: 1,
      listing_type: "rent",
      price: 1500,
    });
    const renamed = await testIdentity.fetch("users")(`${users.url}/api/v1/users/1`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada Lovelace" }),
    });
    assert.equal(renamed.status, 200);
    await eventually("rename on both listings", async () => {
      const items = await viewOf("?user_id=1");
      return items.length === 2 && items.every((i) => i.user.name === "Ada Lovelace");
    });

    const put = await testIdentity.fetch("listings")(
      `${listings.url}/api/v1/listings/${second.id}/photos/living.png`,
      {
        method: "PUT",
        headers: { "content-type": "image/png" },
        body: new Uint8Array(3 * 1024 * 1024).fill(7),
      },
    );
    assert.equal(put.status, 201);
    const { photo } = await put.json();
    await eventually("photo metadata in the view", async () => {
      const items = await viewOf("?listing_type=rent");
      return items[0]?.photos[0]?.digest === photo.digest;
    });

    // The read side crashes; writes go on; after the restart nothing is missing.
    await view.kill("SIGKILL");
    for (let i = 0; i < 5; i++) {
      await post(`${listings.url}/api/v1/listings`, {
        user_id: 1,
        listing_type: "rent",
        price: 10 + i,
      });
    }
    await view.restart();
    await eventually(
      "all seven listings",
      async () => (await viewOf("?page_size=50")).length === 7,
    );
    const before = await viewOf("?page_size=50");

    const rebuild = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../tools/rebuild_view.ts", import.meta.url).pathname],
      env: { ...await env.adminEnv(), DATABASE_URL: view.databaseUrl, LOG_LEVEL: "warn" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(rebuild.stdout);
    assert.ok(rebuild.success, new TextDecoder().decode(rebuild.stderr));
    const report = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.deepEqual([report.rebuilt, report.users, report.listings], [true, 2, 8]);
    assert.deepEqual(await viewOf("?page_size=50"), before, "the rebuild serves the same");
  },
);
