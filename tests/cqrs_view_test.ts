/** The read side on real NATS and Postgres: events published straight to the streams. */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { createEvent, createMetrics, fleetCatalog, silentLogger } from "../shared/mod.ts";
import {
  LISTING_CREATED,
  LISTING_UPDATED,
  LISTINGS_STREAM,
  type ListingSnapshot,
  USER_CREATED,
  USER_UPDATED,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "../shared/fleet/listings.ts";
import { createApp } from "../services/listing-view/app.ts";
import { startViewConsumers } from "../services/listing-view/handlers/events.ts";
import type { ViewItem } from "../services/listing-view/domain/view.ts";
import { eventually, integration, testEnv } from "../tools/harness.ts";

const T0 = 1_700_000_000_000_000;

export const user = (id: number, name: string, version = 1): UserSnapshot => ({
  id,
  name,
  created_at: T0 + id,
  updated_at: T0 + id + version,
  version,
});

export const listing = (
  id: number,
  userId: number,
  change: Partial<ListingSnapshot> = {},
): ListingSnapshot => ({
  id,
  user_id: userId,
  listing_type: id % 2 === 0 ? "sale" : "rent",
  price: 1000 * id,
  photos: [],
  created_at: T0 + 1000 * id,
  updated_at: T0 + 1000 * id,
  version: 1,
  ...change,
});

export async function publish(
  nc: NatsConnection,
  type: string,
  data: UserSnapshot | ListingSnapshot,
  id?: string,
  msgID?: string,
): Promise<string> {
  const event = createEvent({ type, source: "test", subject: data.id, data, id });
  await jetstream(nc).publish(type, JSON.stringify(event), { msgID: msgID ?? event.id });
  return event.id;
}

/** True once both view consumers have acknowledged everything in their streams. */
export async function drained(nc: NatsConnection): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  for (
    const [stream, durable] of [[USERS_STREAM, VIEW_USERS_CONSUMER], [
      LISTINGS_STREAM,
      VIEW_LISTINGS_CONSUMER,
    ]]
  ) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
  }
  return true;
}

export async function startView(env: Awaited<ReturnType<typeof testEnv>>) {
  await env.provision(fleetCatalog);
  await env.migrate("listing-view");
  const nc = await env.connect();
  const sql = env.sql(20);
  const app = createApp({
    service: "listing-view",
    logger: silentLogger,
    metrics: createMetrics("listing-view", { process: false }),
    sql,
  });
  const consumers = startViewConsumers({ nc, catalog: fleetCatalog, sql, logger: silentLogger });
  env.defer(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });
  const query = async (qs = "") => {
    const res = await app.request(`/api/v1/listing-view${qs}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { result: boolean; listings: ViewItem[] };
  };
  return { nc, sql, app, query };
}

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
    const { nc, query } = await startView(env);
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
    // The same event twice (redelivery or a republished outbox row) applies once.
    const dup = await publish(nc, LISTING_UPDATED, listing(5, 2, { price: 55, version: 2 }));
    await publish(nc, LISTING_UPDATED, listing(5, 2, { price: 55, version: 2 }), dup);
    await publish(nc, USER_CREATED, user(3, "Marker"));
    await publish(nc, LISTING_CREATED, listing(99, 3));
    await eventually(
      "marker applied",
      async () => (await query("?user_id=3")).listings.length === 1,
    );

    const { listings } = await query("?page_size=100");
    assert.equal(listings.length, 7);
    assert.ok(listings.filter((l) => l.user_id === 1).every((l) => l.user.name === "Ada Lovelace"));
    assert.equal(listings.find((l) => l.id === 3)?.price, 7);
    assert.equal(listings.find((l) => l.id === 5)?.price, 55);
    assert.deepEqual(listings.map((l) => l.id), [99, 6, 5, 4, 3, 2, 1], "newest first");
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
