import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import {
  createMetrics,
  type Envelope,
  IDEMPOTENCY_BUCKET,
  silentLogger,
  type Sql,
} from "@flotilla/backbone";
import { fleetCatalog, type ListingSnapshot, PHOTOS_BUCKET } from "@flotilla/contracts";
import { integration, jsonCaller, testEnv, testIdentity } from "@flotilla/testkit";
import { objectPhotoStore } from "./adapters/photo_store.ts";
import { createApp } from "./app.ts";

const MAX_PHOTO = 6 * 1024 * 1024;

async function setup(env: Awaited<ReturnType<typeof testEnv>>) {
  await env.provision(fleetCatalog);
  await env.migrate("listings");
  const nc = await env.connect();
  const sql = env.sql();
  const objects = await new Objm(nc).open(PHOTOS_BUCKET);
  const app = createApp({
    identity: await testIdentity.verifier("listings"),
    service: "listings",
    logger: silentLogger,
    metrics: createMetrics("listings", { process: false }),
    sql,
    catalog: fleetCatalog,
    photos: objectPhotoStore(objects),
    maxPhotoBytes: MAX_PHOTO,
    idempotencyKv: await new Kvm(nc).open(IDEMPOTENCY_BUCKET),
  });
  const request = testIdentity.request(app, "listings");
  const call = jsonCaller(app, "listings");
  const create = async (input: Record<string, unknown>) => {
    const res = await call("POST", "/api/v1/listings", input);
    assert.equal(res.status, 201);
    return (await res.json()).listing as ListingSnapshot;
  };
  return { app, request, sql, call, create, objects };
}

async function outbox(sql: Sql): Promise<Envelope<Record<string, unknown>>[]> {
  const rows = await sql<{ payload: string }[]>`select payload from outbox order by seq`;
  return rows.map((r) => JSON.parse(r.payload));
}

integration(
  "listings are created, changed and paged, each change announced with its audit event",
  async () => {
    await using env = await testEnv();
    const { sql, call, create } = await setup(env);
    const a = await create({ user_id: 1, listing_type: "rent", price: 1000 });
    assert.deepEqual(
      [a.user_id, a.listing_type, a.price, a.photos, a.version],
      [1, "rent", 1000, [], 1],
    );
    const b = await create({ user_id: 2, listing_type: "sale", price: 250000 });
    const c = await create({ user_id: 1, listing_type: "sale", price: 9_000_000_000 });
    assert.equal(c.price, 9_000_000_000, "prices beyond 32 bits survive");

    const patched = await call("PATCH", `/api/v1/listings/${a.id}`, { price: 1200 });
    assert.equal(patched.status, 200);
    const after = (await patched.json()).listing as ListingSnapshot;
    assert.deepEqual([after.price, after.listing_type, after.version], [1200, "rent", 2]);
    assert.deepEqual((await (await call("GET", `/api/v1/listings/${a.id}`)).json()).listing, after);

    const mine = await (await call("GET", "/api/v1/listings?user_id=1")).json();
    assert.deepEqual(mine.listings.map((l: ListingSnapshot) => l.id), [c.id, a.id]);
    const top = await (await call("GET", "/api/v1/listings?page_size=2")).json();
    assert.deepEqual(top.listings.map((l: ListingSnapshot) => l.id), [c.id, b.id]);
    const page = await (await call("GET", "/api/v1/listings?page_num=2&page_size=2")).json();
    assert.deepEqual(page.listings.map((l: ListingSnapshot) => l.id), [a.id]);

    const events = await outbox(sql);
    assert.deepEqual(events.filter((e) => e.type !== "audit.recorded").map((e) => e.type), [
      "listing.created",
      "listing.created",
      "listing.created",
      "listing.updated",
    ]);
    assert.equal(events.filter((e) => e.type === "audit.recorded").length, 4);

    // A retried POST with the same Idempotency-Key creates nothing more.
    const key = { "idempotency-key": "listing-1" };
    const body = { user_id: 3, listing_type: "rent", price: 1 };
    const once = await call("POST", "/api/v1/listings", body, key);
    const twice = await call("POST", "/api/v1/listings", body, key);
    assert.equal(twice.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await twice.json(), await once.json());
    const [{ n }] = await sql`select count(*)::int as n from listings where user_id = 3`;
    assert.equal(n, 1);
    assert.deepEqual(events.at(-2)?.data, after);
  },
);

integration(
  "bad listings are refused with 400 naming the field, and nothing is emitted",
  async () => {
    await using env = await testEnv();
    const { sql, call } = await setup(env);
    const cases: [Record<string, unknown>, string][] = [
      [{ user_id: 1, listing_type: "rent", price: 0 }, "price"],
      [{ user_id: 1, listing_type: "rent", price: 10.5 }, "price"],
      [{ user_id: 1, listing_type: "lease", price: 10 }, "listing_type"],
      [{ listing_type: "rent", price: 10 }, "user_id"],
    ];
    for (const [body, field] of cases) {
      const res = await call("POST", "/api/v1/listings", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const doc = await res.json();
      assert.ok(doc.errors.some((e: { path: string }) => e.path === field), JSON.stringify(doc));
    }
    assert.equal((await call("PATCH", "/api/v1/listings/1", {})).status, 400);
    assert.equal((await call("PATCH", "/api/v1/listings/99", { price: 5 })).status, 404);
    assert.equal((await call("GET", "/api/v1/listings/99")).status, 404);
    assert.equal((await outbox(sql)).length, 0);
  },
);

integration(
  "a 5 MiB photo round-trips byte for byte over HTTP with type, length and ETag, and is deleted",
  async () => {
    await using env = await testEnv();
    const { app, sql, create, objects } = await setup(env);
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    env.defer(() => server.shutdown());
    const api = testIdentity.fetch("listings");
    const base = `http://127.0.0.1:${server.addr.port}/api/v1/listings`;
    const listing = await create({ user_id: 1, listing_type: "sale", price: 10 });

    const photo = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < photo.length; i += 65536) {
      crypto.getRandomValues(photo.subarray(i, Math.min(i + 65536, photo.length)));
    }
    const put = await api(`${base}/${listing.id}/photos/front.jpg`, {
      method: "PUT",
      headers: { "content-type": "image/jpeg" },
      body: photo,
    });
    assert.equal(put.status, 201, await put.clone().text());
    const stored = await put.json();
    assert.equal(stored.photo.size, photo.length);
    assert.match(stored.photo.digest, /^SHA-256=/);
    assert.equal(stored.listing.version, 2);
    const etag = put.headers.get("etag");
    assert.equal(etag, `"${stored.photo.digest}"`);

    const got = await api(`${base}/${listing.id}/photos/front.jpg`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), "image/jpeg");
    assert.equal(got.headers.get("content-length"), String(photo.length));
    assert.equal(got.headers.get("etag"), etag);
    const bytes = new Uint8Array(await got.arrayBuffer());
    assert.equal(bytes.length, photo.length);
    assert.ok(bytes.every((b, i) => b === photo[i]), "byte for byte");

    const cached = await api(`${base}/${listing.id}/photos/front.jpg`, {
      headers: { "if-none-match": etag! },
    });
    assert.equal(cached.status, 304);
    await cached.body?.cancel();

    // The metadata travels in listing.updated.
    const updated = (await outbox(sql)).filter((e) => e.type === "listing.updated");
    assert.deepEqual((updated[0].data as ListingSnapshot).photos, [stored.photo]);

    const del = await api(`${base}/${listing.id}/photos/front.jpg`, { method: "DELETE" });
    assert.equal(del.status, 204);
    const gone = await api(`${base}/${listing.id}/photos/front.jpg`);
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
    const info = await objects.info(`listing/${listing.id}/front.jpg`);
    assert.ok(info === null || info.deleted, "object removed");
    const last = (await outbox(sql)).filter((e) => e.type === "listing.updated").at(-1);
    assert.deepEqual((last?.data as ListingSnapshot).photos, []);
    assert.equal((last?.data as ListingSnapshot).version, 3);
  },
);

integration(
  "photos that are not images get 415, too large ones 413 (declared or streamed), and nothing is kept",
  async () => {
    await using env = await testEnv();
    const { app, request, create, objects, sql } = await setup(env);
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    env.defer(() => server.shutdown());
    const api = testIdentity.fetch("listings");
    const base = `http://127.0.0.1:${server.addr.port}/api/v1/listings`;
    const listing = await create({ user_id: 1, listing_type: "rent", price: 10 });

    const text = await api(`${base}/${listing.id}/photos/a.jpg`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    assert.equal(text.status, 415);
    assert.match((await text.json()).detail, /got "text\/plain"/);

    const big = new Uint8Array(MAX_PHOTO + 1);
    const declared = await api(`${base}/${listing.id}/photos/a.png`, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: big,
    });
    assert.equal(declared.status, 413);
    await declared.body?.cancel();

    // Chunked, no Content-Length: the limit is enforced while streaming.
    const chunks = ReadableStream.from((function* () {
      for (let sent = 0; sent <= MAX_PHOTO; sent += 256 * 1024) yield new Uint8Array(256 * 1024);
    })());
    const streamed = await request(`/api/v1/listings/${listing.id}/photos/b.png`, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: chunks,
    });
    assert.equal(streamed.status, 413);
    assert.equal(await objects.info(`listing/${listing.id}/b.png`), null);

    const noListing = await request(`/api/v1/listings/999/photos/a.png`, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: new Uint8Array([1, 2, 3]),
    });
    assert.equal(noListing.status, 404);
    const badName = await request(`/api/v1/listings/${listing.id}/photos/.secret`, {
      method: "PUT",
      headers: { "content-type": "image/png" },
      body: new Uint8Array([1]),
    });
    assert.equal(badName.status, 400);
    const [{ photos }] = await sql`select photos from listings where id = ${listing.id}`;
    assert.deepEqual(photos, []);
  },
);

integration(
  "a principal bound to a user creates and changes that user's listings only",
  async () => {
    await using env = await testEnv();
    const { app, call, create, objects, sql } = await setup(env);
    const bobs = await create({ user_id: 2, listing_type: "sale", price: 10 });
    const alice = { type: "key" as const, id: "alicekey0001", user: "1" };
    const own = await call(
      "POST",
      "/api/v1/listings",
      {
        user_id: 1,
        listing_type: "rent",
        price: 5,
      },
      {},
      alice,
    );
    assert.equal(own.status, 201);
    const forBob = await call(
      "POST",
      "/api/v1/listings",
      {
        user_id: 2,
        listing_type: "rent",
        price: 5,
      },
      {},
      alice,
    );
    assert.equal(forBob.status, 403);
    assert.match(
      (await forBob.json()).detail,
      /acts for user 1 only; the new listing belongs to user 2/,
    );
    const change = await call("PATCH", `/api/v1/listings/${bobs.id}`, { price: 1 }, {}, alice);
    assert.equal(change.status, 403);
    const upload = await testIdentity.request(app, "listings", alice)(
      `/api/v1/listings/${bobs.id}/photos/x.png`,
      { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array([1, 2, 3]) },
    );
    assert.equal(upload.status, 403);
    assert.equal(await objects.info(`listing/${bobs.id}/x.png`), null);
    const [row] = await sql`select price, version from listings where id = ${bobs.id}`;
    assert.deepEqual([Number(row.price), row.version], [10, 1], "bob's listing is unchanged");
    const [{ n }] = await sql`select count(*)::int as n from listings where user_id = 2`;
    assert.equal(n, 1, "nothing created for bob");
  },
);
