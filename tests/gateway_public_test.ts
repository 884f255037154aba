/**
 * The public BFF against stub users, listings and listing-view services: the original
 * contract (`{user}`, `{listing}`, `{result, listings}`, 200 on create), the rule that a
 * listing is only created for a user that exists, and who may write through it.
 */
import assert from "node:assert/strict";
import {
  startGateway,
  type StubHandler,
  stubUpstream,
  type TestGateway,
} from "@flotilla/gateway/testing";
import { bearer, createTestKey, integration, testEnv } from "@flotilla/testkit";

const user = {
  id: 1,
  name: "Ada",
  created_at: 1_700_000_000_000_000,
  updated_at: 1_700_000_000_000_000,
};

function usersService(): StubHandler {
  return (req, seen) => {
    if (req.method === "POST" && seen.path === "/api/v1/users") {
      const { name } = JSON.parse(new TextDecoder().decode(seen.body));
      return Response.json({ result: true, user: { ...user, name } }, { status: 201 });
    }
    if (req.method === "GET" && seen.path === "/api/v1/users/1") {
      return Response.json({ result: true, user });
    }
    return Response.json({ title: "Not found", status: 404, detail: "User not found" }, {
      status: 404,
      headers: { "content-type": "application/problem+json" },
    });
  };
}

const post = (
  gateway: TestGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  gateway.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

integration(
  "POST /public/users creates the user on the users service and answers 200 {result, user}",
  async () => {
    await using env = await testEnv();
    await using users = stubUpstream(usersService());
    await using gateway = await startGateway(env, { UPSTREAM_USERS: users.url });
    const res = await post(gateway, `/public/users`, { name: "Grace" }, {
      "idempotency-key": "create-grace",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: true, user: { ...user, name: "Grace" } });
    assert.equal(users.seen.length, 1);
    assert.equal(users.seen[0].path, "/api/v1/users");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(users.seen[0].body)), { name: "Grace" });
    assert.equal(users.seen[0].headers.get("idempotency-key"), "create-grace");

    const invalid = await post(gateway, `/public/users`, { name: "" });
    assert.equal(invalid.status, 400);
    const doc = await invalid.json();
    assert.equal(doc.errors[0].path, "name");
    assert.equal(users.seen.length, 1, "an invalid request never reaches users");
  },
);

integration(
  "POST /public/listings checks the user first: unknown user is 404 and nothing is created",
  async () => {
    await using env = await testEnv();
    await using users = stubUpstream(usersService());
    await using listings = stubUpstream(() => Response.json({}, { status: 500 }));
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      UPSTREAM_LISTINGS: listings.url,
    });
    const res = await post(gateway, `/public/listings`, {
      user_id: 99,
      listing_type: "rent",
      price: 5000,
    });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const doc = await res.json();
    assert.equal(doc.result, false);
    assert.match(doc.error, /User 99 not found/);
    assert.deepEqual(users.seen.map((s) => `${s.method} ${s.path}`), ["GET /api/v1/users/99"]);
    assert.equal(listings.seen.length, 0, "no listing for a user that does not exist");
  },
);

integration(
  "POST /public/listings for an existing user creates it on listings and answers {result, listing}",
  async () => {
    await using env = await testEnv();
    await using users = stubUpstream(usersService());
    await using listings = stubUpstream((_req, seen) => {
      const body = JSON.parse(new TextDecoder().decode(seen.body));
      return Response.json({
        result: true,
        listing: { id: 10, ...body, created_at: 1, updated_at: 1, photos: [] },
      }, { status: 201 });
    });
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      UPSTREAM_LISTINGS: listings.url,
    });
    const res = await post(gateway, `/public/listings`, {
      user_id: 1,
      listing_type: "sale",
      price: 250_000,
    }, { "x-request-id": "bff-1" });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.result, true);
    assert.deepEqual(
      {
        id: body.listing.id,
        user_id: body.listing.user_id,
        listing_type: body.listing.listing_type,
        price: body.listing.price,
      },
      { id: 10, user_id: 1, listing_type: "sale", price: 250_000 },
    );
    assert.equal(listings.seen.length, 1);
    assert.equal(listings.seen[0].path, "/api/v1/listings");
    assert.equal(listings.seen[0].headers.get("x-request-id"), "bff-1");
    assert.equal(
      users.seen[0].headers.get("x-request-id"),
      "bff-1",
      "one request id across both calls",
    );

    const invalid = await post(gateway, `/public/listings`, {
      user_id: 1,
      listing_type: "lease",
      price: 0,
    });
    assert.equal(invalid.status, 400);
    const doc = await invalid.json();
    assert.deepEqual(doc.errors.map((e: { path: string }) => e.path).sort(), [
      "listing_type",
      "price",
    ]);
  },
);

integration(
  "GET /public/listings is served from listing-view with the original paging defaults",
  async () => {
    await using env = await testEnv();
    const listing = { id: 10, listing_type: "rent", price: 5000, user: user };
    await using view = stubUpstream(() => Response.json({ result: true, listings: [listing] }));
    await using gateway = await startGateway(env, { UPSTREAM_LISTING_VIEW: view.url });
    const res = await gateway.fetch(`/public/listings?user_id=1`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: true, listings: [listing] });
    const url = new URL(view.seen[0].path, "http://x");
    assert.equal(url.pathname, "/api/v1/listing-view");
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      user_id: "1",
      page_num: "1",
      page_size: "10",
    });

    const paged = await gateway.fetch(`/public/listings?page_num=3&page_size=5`);
    await paged.body?.cancel();
    const second = new URL(view.seen[1].path, "http://x").searchParams;
    assert.equal(second.get("page_num"), "3");
    assert.equal(second.get("page_size"), "5");

    const bad = await gateway.fetch(`/public/listings?page_num=0`);
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  },
);

integration(
  "the BFF answers 503 with result:false naming the upstream when it is down",
  async () => {
    await using env = await testEnv();
    const users = stubUpstream(usersService());
    await users.stop();
    await using gateway = await startGateway(env, {
      UPSTREAM_USERS: users.url,
      UPSTREAM_RETRIES: "0",
    });
    const res = await post(gateway, `/public/users`, { name: "Ada" });
    assert.equal(res.status, 503);
    const doc = await res.json();
    assert.equal(doc.upstream, "users");
    assert.equal(doc.result, false);
    assert.match(doc.error, /users cannot be reached/);
    const noView = await gateway.fetch(`/public/listings`);
    assert.equal(noView.status, 503);
    assert.match((await noView.json()).detail, /UPSTREAM_LISTING_VIEW is not set/);
  },
);

integration("the BFF's writes need listings:write; its search stays open to anyone", async () => {
  await using env = await testEnv();
  await using users = stubUpstream(usersService());
  await using view = stubUpstream(() => Response.json({ result: true, listings: [] }));
  await using gateway = await startGateway(env, {
    UPSTREAM_USERS: users.url,
    UPSTREAM_LISTING_VIEW: view.url,
  });
  const anonymous = await fetch(`${gateway.url}/public/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Eve" }),
  });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="flotilla"');
  await anonymous.body?.cancel();
  const { key } = await createTestKey(env, { scopes: ["listings:read"] });
  const reader = await post(gateway, "/public/users", { name: "Eve" }, bearer(key));
  assert.equal(reader.status, 403);
  assert.match((await reader.json()).detail, /needs the scope listings:write/);
  assert.equal(users.seen.length, 0, "neither reached the users service");
  const search = await fetch(`${gateway.url}/public/listings`);
  assert.equal(search.status, 200);
  await search.body?.cancel();
});
