/** The read side on real NATS and Postgres: events published straight to the streams. */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createEvent } from "@flotilla/backbone";
import {
  LISTING_CREATED,
  LISTING_UPDATED,
  LISTINGS_STREAM,
  USER_CREATED,
  USER_UPDATED,
  VIEW_LISTINGS_CONSUMER,
} from "@flotilla/contracts";
import { drained, listing, publish, startView, T0, user } from "@flotilla/listing-view/testing";
import { eventually, integration, testEnv } from "@flotilla/testkit";

integration(
  "a listing published before its user is kept pending and appears once the user does",
  async () => {
    await using env = await testEnv();
    const { nc, sql, app, query } = await startView(env);
    await publish(nc, LISTING_CREATED, listing(1, 7));
    await eventually("pending row", async () => {
      const rows = await sql`select "user" from listing_view where id = 1`;
      return rows.length === 1 && rows[0].user === null;
    });
    assert.deepEqual((await query()).listings, [], "pending listings are not served");
    assert.equal((await app.request("/api/v1/listing-view/1")).status, 404);

    await publish(nc, USER_CREATED, user(7, "Ada"));
    const seen = await eventually("listing with its user", async () => {
      const { listings } = await query();
      return listings.length === 1 ? listings[0] : undefined;
    });
    assert.deepEqual(seen, {
      id: 1,
      user_id: 7,
      listing_type: "rent",
      price: 1000,
      created_at: T0 + 1000,
      updated_at: T0 + 1000,
      photos: [],
      user: { id: 7, name: "Ada", created_at: T0 + 7, updated_at: T0 + 8 },
    });
    const one = await app.request("/api/v1/listing-view/1");
    assert.deepEqual((await one.json()).listing, seen);
  },
);

integration(
  "renaming a user updates every listing of theirs; stale and duplicate events change nothing",
  async () => {
    await using env = await testEnv();
    const { nc, sql, query } = await startView(env);
    await publish(nc, USER_CREATED, user(1, "Ada"));
    await publish(nc, USER_CREATED, user(2, "Bob"));
    for (let id = 1; id <= 6; id++) {
      await publish(nc, LISTING_CREATED, listing(id, id <= 4 ? 1 : 2));
    }
    await eventually("six listings", async () => (await query()).listings.length === 6);

    await publish(nc, USER_UPDATED, user(1, "Ada Lovelace", 2));
    await eventually("rename everywhere", async () => {
      const { listings } = await query("?user_id=1");
      return listings.length === 4 && listings.every((l) => l.user.name === "Ada Lovelace");
    });
    // An older snapshot arriving late (version 1 again, another event id) is ignored, and a
    // listing.updated of an older version cannot undo a newer one.
    await publish(nc, USER_UPDATED, user(1, "Ada", 1));
    await publish(nc, LISTING_UPDATED, listing(3, 1, { price: 7, version: 3 }));
    await publish(nc, LISTING_UPDATED, listing(3, 1, { price: 5, version: 2 }));
    // The same event twice past the server's de-duplication (a redelivery, say) applies once.
    const dup = await publish(nc, LISTING_UPDATED, listing(5, 2, { price: 55, version: 2 }));
    await publish(nc, LISTING_UPDATED, listing(5, 2, { price: 55, version: 2 }), dup, "again");
    await publish(nc, USER_CREATED, user(3, "Carol"));
    await publish(nc, LISTING_CREATED, listing(99, 3));
    await eventually("every event handled", () => drained(nc));
    const [{ n }] = await sql`
      select count(*)::int as n from inbox where consumer = ${VIEW_LISTINGS_CONSUMER}`;
    assert.equal(n, 10, "ten distinct listing events recorded, the duplicate once");
    const stream = await (await jetstreamManager(nc)).streams.info(LISTINGS_STREAM);
    assert.equal(stream.state.messages, 11, "the duplicate did reach the consumer");

    const { listings } = await query("?page_size=100");
    assert.equal(listings.length, 7);
    assert.ok(listings.filter((l) => l.user_id === 1).every((l) => l.user.name === "Ada Lovelace"));
    assert.equal(listings.find((l) => l.id === 3)?.price, 7);
    assert.equal(listings.find((l) => l.id === 5)?.price, 55);
    assert.deepEqual(listings.map((l) => l.id), [99, 6, 5, 4, 3, 2, 1], "newest first");
  },
);

integration(
  "an older listing or user snapshot delivered after the newer one was committed changes nothing",
  async () => {
    await using env = await testEnv();
    const { nc, sql, query } = await startView(env);
    await publish(nc, USER_CREATED, user(1, "Ada"));
    await publish(nc, LISTING_CREATED, listing(3, 1));
    await eventually("listing 3", async () => (await query()).listings.length === 1);

    // The newer snapshots are applied and committed before the older ones are even published,
    // so the older ones come in a later batch: only the version guard in SQL can stop them.
    await publish(nc, LISTING_UPDATED, listing(3, 1, { price: 7, version: 3 }));
    await publish(nc, USER_UPDATED, user(1, "Ada Lovelace", 2));
    await eventually("newer snapshots shown", async () => {
      const [seen] = (await query()).listings;
      return seen.price === 7 && seen.user.name === "Ada Lovelace";
    });
    await eventually("newer snapshots acknowledged", () => drained(nc));

    const staleListing = await publish(
      nc,
      LISTING_UPDATED,
      listing(3, 1, { price: 5, version: 2 }),
    );
    const staleUser = await publish(nc, USER_UPDATED, user(1, "Ada", 1));
    await eventually("stale snapshots handled", () => drained(nc));
    const handled = await sql`
      select event_id from inbox where event_id in (${staleListing}, ${staleUser})`;
    assert.equal(handled.length, 2, "both stale events reached the projection");

    const [seen] = (await query()).listings;
    assert.equal(seen.price, 7, "an older listing snapshot overwrote the newer one");
    assert.equal(seen.user.name, "Ada Lovelace", "an older user snapshot overwrote the newer one");
    const [row] = await sql`select version from listing_view where id = 3`;
    assert.equal(row.version, 3);
    const [u] = await sql`select name, version from view_users where id = 1`;
    assert.deepEqual({ ...u }, { name: "Ada Lovelace", version: 2 });
  },
);

integration("listing-view filters by user, type, price range and name, and pages", async () => {
  await using env = await testEnv();
  const { nc, app, query } = await startView(env);
  await publish(nc, USER_CREATED, user(1, "Ada Lovelace"));
  await publish(nc, USER_CREATED, user(2, "Bob 100%"));
  for (let id = 1; id <= 10; id++) await publish(nc, LISTING_CREATED, listing(id, id <= 5 ? 1 : 2));
  await eventually(
    "ten listings",
    async () => (await query("?page_size=50")).listings.length === 10,
  );

  const ids = async (qs: string) => (await query(qs)).listings.map((l) => l.id);
  assert.deepEqual(await ids("?user_id=1"), [5, 4, 3, 2, 1]);
  assert.deepEqual(await ids("?listing_type=sale"), [10, 8, 6, 4, 2]);
  assert.deepEqual(await ids("?min_price=3000&max_price=5000"), [5, 4, 3]);
  assert.deepEqual(await ids("?q=lovelace&listing_type=rent"), [5, 3, 1]);
  assert.deepEqual(await ids("?q=100%25"), [10, 9, 8, 7, 6], "q is a literal substring");
  assert.deepEqual(await ids("?q=10_"), []);
  assert.deepEqual(await ids("?page_num=2&page_size=4"), [6, 5, 4, 3]);
  const bad = await app.request("/api/v1/listing-view?min_price=9&max_price=1");
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).errors[0].path, "min_price");
  assert.equal((await app.request("/api/v1/listing-view?listing_type=lease")).status, 400);
});

integration("listings and users racing each other all end up complete, none pending", async () => {
  await using env = await testEnv();
  const { nc, sql, query } = await startView(env);
  const js = jetstream(nc);
  const sends: Promise<unknown>[] = [];
  for (let u = 1; u <= 40; u++) {
    for (let k = 0; k < 5; k++) {
      const l = listing(u * 10 + k, u);
      const e = createEvent({ type: LISTING_CREATED, source: "test", subject: l.id, data: l });
      sends.push(js.publish(LISTING_CREATED, JSON.stringify(e), { msgID: e.id }));
    }
    const e = createEvent({
      type: USER_CREATED,
      source: "test",
      subject: u,
      data: user(u, `u${u}`),
    });
    sends.push(js.publish(USER_CREATED, JSON.stringify(e), { msgID: e.id }));
  }
  await Promise.all(sends);
  await eventually("every event handled", () => drained(nc));
  const [{ pending }] = await sql`
    select count(*)::int as pending from listing_view where "user" is null`;
  assert.equal(pending, 0);
  const { listings } = await query("?page_size=100&q=u17");
  assert.deepEqual(listings.map((l) => l.id).sort(), [170, 171, 172, 173, 174]);
});
