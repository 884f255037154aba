/** `deno task rebuild-view` logic: same rows, no lost events, queries answering throughout. */
import assert from "node:assert/strict";
import { silentLogger, type Sql } from "@flotilla/backbone";
import {
  fleetCatalog,
  LISTING_CREATED,
  LISTING_UPDATED,
  USER_CREATED,
  USER_UPDATED,
} from "@flotilla/contracts";
import { rebuildView } from "@flotilla/listing-view/rebuild";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { drained, listing, publish, startView, user } from "@flotilla/listing-view/testing";

async function snapshot(sql: Sql) {
  const users =
    await sql`select id, name, created_at, updated_at, version from view_users order by id`;
  const listings = await sql`
    select id, user_id, listing_type, price, photos, created_at, updated_at, version, "user"
    from listing_view order by id`;
  return { users: [...users], listings: [...listings] };
}

integration(
  "a rebuild gives the same rows, keeps events that arrive meanwhile, and queries answer throughout",
  async () => {
    await using env = await testEnv();
    const { nc, sql, app } = await startView(env);
    for (let u = 1; u <= 20; u++) await publish(nc, USER_CREATED, user(u, `user ${u}`));
    for (let id = 1; id <= 300; id++) {
      await publish(nc, LISTING_CREATED, listing(id, (id % 20) + 1));
    }
    for (let id = 1; id <= 300; id += 10) {
      await publish(nc, LISTING_UPDATED, listing(id, (id % 20) + 1, { price: 5, version: 2 }));
    }
    await publish(nc, USER_UPDATED, user(3, "renamed three", 2));
    // A listing whose user never arrives stays pending, in the rebuilt table too.
    await publish(nc, LISTING_CREATED, listing(999, 404));
    await eventually("projection caught up", () => drained(nc));
    const before = await snapshot(sql);
    assert.equal(before.listings.length, 301);

    // Queries run in a loop for the whole rebuild; each must answer with a full page.
    let querying = true;
    const latencies: number[] = [];
    const failures: string[] = [];
    const loop = (async () => {
      while (querying) {
        const started = performance.now();
        const res = await app.request("/api/v1/listing-view?page_size=100");
        const body = await res.json();
        if (res.status !== 200 || body.listings?.length !== 100) {
          failures.push(`${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        }
        latencies.push(performance.now() - started);
      }
    })();

    const rebuildSql = env.sql(2);
    const rebuildNc = await env.connect();
    const options = { nc: rebuildNc, catalog: fleetCatalog, logger: silentLogger, batchSize: 50 };
    const [report, second] = await Promise.allSettled([
      rebuildView({ ...options, sql: rebuildSql }),
      new Promise((r) => setTimeout(r, 50)).then(() =>
        rebuildView({ ...options, sql: env.sql(2) })
      ),
    ]).then((results) => results.map((r) => r.status === "fulfilled" ? r.value : r.reason));
    assert.match(String(second), /another rebuild is running/, "one rebuild at a time");
    assert.equal(report.users, 21);
    assert.equal(report.listings, 331);
    assert.deepEqual(await snapshot(sql), before, "the rebuilt tables hold the same rows");

    // Second rebuild while events keep arriving: none of them may be lost at the swap.
    const writer = (async () => {
      for (let id = 301; id <= 400; id++) {
        await publish(nc, LISTING_CREATED, listing(id, (id % 20) + 1));
        if (id === 350) await publish(nc, USER_UPDATED, user(5, "renamed five", 2));
      }
      await publish(nc, USER_CREATED, user(404, "late user"));
    })();
    await rebuildView({
      sql: rebuildSql,
      nc: rebuildNc,
      catalog: fleetCatalog,
      logger: silentLogger,
      batchSize: 50,
      catchUpThreshold: 5,
    });
    await writer;
    querying = false;
    await loop;
    await eventually("projection caught up", () => drained(nc));
    await eventually("every listing complete", async () => {
      const after = await snapshot(sql);
      return after.listings.length === 401 && after.listings.every((l) => l.user !== null);
    });
    const after = await snapshot(sql);
    const ofFive = after.listings.filter((l) => l.user_id === 5);
    assert.ok(ofFive.length === 20 && ofFive.every((l) => l.user.name === "renamed five"));
    assert.ok(
      after.listings.filter((l) => l.user_id === 3).every((l) => l.user.name === "renamed three"),
    );
    assert.deepEqual(failures, [], "every query answered with a full page");
    assert.ok(latencies.length > 10, `queries answered during the rebuilds: ${latencies.length}`);
    const tables = await sql`
    select tablename from pg_tables where tablename like '%_next' or tablename like '%_old'`;
    assert.deepEqual([...tables], [], "no leftover tables");
  },
);
