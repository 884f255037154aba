/**
 * The public BFF of the original CQRS system, through the gateway, against the real users,
 * listings and listing-view services: create a user, a listing for them, see it in the view.
 */
import assert from "node:assert/strict";
import { createTestKey, eventually, integration, spawnService, testEnv } from "@flotilla/testkit";

integration(
  "through the gateway: a user, their listing, and the listing in the view with its user",
  async () => {
    await using env = await testEnv();
    const dbUrl = async () => env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
    const quiet = { LOG_LEVEL: "warn" };
    const [users, listings, view] = await Promise.all([
      spawnService(env, {
        main: "services/users/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
      spawnService(env, {
        main: "services/listings/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
      spawnService(env, {
        main: "services/listing-view/main.ts",
        env: { ...quiet, DATABASE_URL: await dbUrl() },
      }),
    ]);
    const gateway = await spawnService(env, {
      main: "services/gateway/main.ts",
      env: {
        ...quiet,
        UPSTREAM_USERS: users.url,
        UPSTREAM_LISTINGS: listings.url,
        UPSTREAM_LISTING_VIEW: view.url,
      },
    });
    const { key } = await createTestKey(env, { scopes: ["listings:read", "listings:write"] });
    const call = (path: string, body?: unknown) =>
      fetch(`${gateway.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const userRes = await call("/public/users", { name: "Ada" });
    assert.ok(userRes.status === 200 || userRes.status === 201, await userRes.clone().text());
    const { user } = await userRes.json();
    assert.equal(user.name, "Ada");

    const missing = await call("/public/listings", {
      user_id: 999_999,
      listing_type: "rent",
      price: 10,
    });
    assert.equal(missing.status, 404, "a listing for an unknown user is refused");
    const invalid = await call("/public/listings", {
      user_id: user.id,
      listing_type: "swap",
      price: 0,
    });
    assert.equal(invalid.status, 400);

    const listingRes = await call("/public/listings", {
      user_id: user.id,
      listing_type: "sale",
      price: 250_000,
    });
    assert.ok(
      listingRes.status === 200 || listingRes.status === 201,
      await listingRes.clone().text(),
    );
    const { listing } = await listingRes.json();
    assert.equal(listing.price, 250_000);

    const shown = await eventually("the listing in the view", async () => {
      const page = await (await call(`/public/listings?page_num=1&page_size=10&user_id=${user.id}`))
        .json();
      return page.result === true && page.listings.length === 1 ? page.listings[0] : undefined;
    }, 30_000);
    assert.equal(shown.id, listing.id);
    assert.equal(shown.listing_type, "sale");
    assert.equal(shown.user.id, user.id);
    assert.equal(shown.user.name, "Ada");
  },
);
