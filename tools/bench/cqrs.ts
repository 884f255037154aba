/**
 * `deno task bench cqrs`: users, listings and listing-view as processes on their own nats-server
 * and PostgreSQL (temp dirs, 127.0.0.1 only, durable Postgres settings, each service as its
 * own NATS identity and database role), bounded to about a minute. It prints:
 * - query: listing-view with --listings rows (bulk-loaded into its table, 1,000 users), each
 *   query shape run --queries times sequentially over HTTP: p50/p99 per shape and overall;
 * - projection lag, with those rows in place: listings of 20 users POSTed open-loop at --rate per second
 *   for --seconds; lag is from just before each POST to the moment a poller of listing_view's
 *   table (committed rows: what the API serves) first sees it, polling every few ms:
 *   p50/p99/max, and the same split into the POST and from its 201 to visible.
 * The machine's load average is printed before and after: figures taken on a busy machine say
 * more about the machine than about the services.
 * Options: --rate 500 --seconds 10 --listings 100000 --queries 300 --fast-pg (fsync off).
 * (Gateway overhead is measured by `deno task bench gateway`.)
 */
import { parseArgs } from "node:util";
import type { ServiceAccess } from "@flotilla/backbone";
import { fleetCatalog, listingsAccess, listingViewAccess, usersAccess } from "@flotilla/contracts";
import { testIdentity } from "@flotilla/testkit";
import { ascending, Bench, loadAverage, ms, percentile, postJson } from "./kit/mod.ts";

const viewFetch = testIdentity.fetch("listing-view");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    listings: { type: "string", default: "100000" },
    queries: { type: "string", default: "300" },
    "fast-pg": { type: "boolean", default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const LISTINGS = Number(values.listings);
const QUERIES = Number(values.queries);

const missed = await Bench.run("cqrs", async (bench) => {
  let failed = false;
  const nats = await bench.nats();
  // --fast-pg turns fsync off: shows how much of the lag is the disk.
  const pg = await bench.postgres({ fast: values["fast-pg"] });
  await bench.provision(nats, fleetCatalog);
  const start = async (access: ServiceAccess) =>
    (await bench.service(`services/${access.service}/main.ts`, {
      env: await bench.serviceEnv(access, nats, pg),
    })).url;
  const [users, listings, view] = await Promise.all([
    start(usersAccess),
    start(listingsAccess),
    start(listingViewAccess),
  ]);
  const post = async (url: string, body: unknown) => {
    const res = await postJson(url.startsWith(`${users}/`) ? "users" : "listings", url, body);
    if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    return await res.json();
  };
  const owners: number[] = [];
  for (let i = 1; i <= 20; i++) {
    owners.push((await post(`${users}/api/v1/users`, { name: `bench user ${i}` })).user.id);
  }
  let next = 0;
  const newListing = () =>
    post(`${listings}/api/v1/listings`, {
      user_id: owners[next++ % owners.length],
      listing_type: "rent",
      price: 1000,
    });
  let warmedUpTo = 0;
  for (let i = 0; i < 200; i++) warmedUpTo = (await newListing()).listing.id; // JIT, pools
  console.log(
    `Postgres ${
      values["fast-pg"] ? "with fsync off" : "durable (fsync on)"
    }; load average before: ${loadAverage()} (${navigator.hardwareConcurrency} CPUs)`,
  );

  // --- listing-view queries over LISTINGS rows --------------------------------------------
  const sql = bench.adminSql(pg, "listing_view", 1);
  const loaded = performance.now();
  await sql`
    insert into view_users (id, name, created_at, updated_at, version)
    select 100000 + g, 'user ' || g || ' ' || md5(g::text), 1700000000000000 + g,
      1700000000000000 + g, 1
    from generate_series(1, 1000) g on conflict do nothing`;
  await sql`
    insert into listing_view
      (id, user_id, listing_type, price, photos, created_at, updated_at, version, "user")
    select 1000000 + g, 100000 + (g % 1000) + 1,
      case when g % 2 = 0 then 'sale' else 'rent' end,
      1000 + (g * 7919) % 1000000, '[]',
      1700000000000000 + g * 1000, 1700000000000000 + g * 1000, 1,
      jsonb_build_object('id', 100000 + (g % 1000) + 1,
        'name', 'user ' || ((g % 1000) + 1) || ' ' || md5(((g % 1000) + 1)::text),
        'created_at', 1700000000000000, 'updated_at', 1700000000000000)
    from generate_series(1, ${LISTINGS}) g`;
  await sql`analyze listing_view`;
  const [{ n }] = await sql`select count(*)::int as n from listing_view`;
  console.log(
    `query: ${n} listings in listing_view (loaded in ${
      ((performance.now() - loaded) / 1000).toFixed(1)
    } s), ${QUERIES} sequential HTTP queries per shape`,
  );
  const shapes: [string, string][] = [
    ["newest page", "?page_size=10"],
    ["page 50 of 20", "?page_num=50&page_size=20"],
    ["by user", "?user_id=100500&page_size=20"],
    ["by type", "?listing_type=sale&page_size=20"],
    ["price range", "?min_price=100000&max_price=200000&page_size=20"],
    ["type + price", "?listing_type=rent&min_price=500000&page_size=20"],
    ["name q", "?q=user%2077%20&page_size=20"],
  ];
  const all: number[] = [];
  for (const [label, qs] of shapes) {
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const started = performance.now();
      const res = await viewFetch(`${view}/api/v1/listing-view${qs}`);
      const body = await res.json();
      times.push(performance.now() - started);
      if (res.status !== 200 || body.listings.length === 0) {
        throw new Error(`${label}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    }
    times.sort(ascending);
    all.push(...times);
    console.log(
      `  ${label.padEnd(14)} p50 ${ms(percentile(times, 0.5))}  p99 ${ms(percentile(times, 0.99))}`,
    );
  }
  all.sort(ascending);
  console.log(
    `  overall        p50 ${ms(percentile(all, 0.5))}  p99 ${
      ms(percentile(all, 0.99))
    }  (target p99 <= 10 ms)`,
  );
  if (!(percentile(all, 0.99) <= 10)) failed = true;
  // --- projection lag ---------------------------------------------------------------------
  const seenAt = new Map<number, number>();
  let polling = true;
  let polls = 0;
  // Polls the view's table for committed rows above the highest id below which all were seen:
  // the rows the API serves, found whatever their place in the newest-first order.
  let cursor = warmedUpTo;
  const poller = (async () => {
    while (polling) {
      const rows = await sql<{ id: number }[]>`
        select id from listing_view where id > ${cursor} and id < 1000000 and "user" is not null`;
      const now = performance.now();
      for (const { id } of rows) if (!seenAt.has(id)) seenAt.set(id, now);
      while (seenAt.has(cursor + 1)) cursor++;
      polls++;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const total = RATE * SECONDS;
  const sentAt = new Map<number, number>();
  const answeredAt = new Map<number, number>();
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  let errors = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    inFlight.push(
      newListing().then(({ listing }) => {
        sentAt.set(listing.id, sent);
        answeredAt.set(listing.id, performance.now());
      }).catch(() => {
        errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  const offered = total / ((performance.now() - t0) / 1000);
  const drainDeadline = performance.now() + 30_000;
  while (performance.now() < drainDeadline && [...sentAt.keys()].some((id) => !seenAt.has(id))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  polling = false;
  await poller;
  const lags = [...sentAt].filter(([id]) => seenAt.has(id)).map(([id, s]) => seenAt.get(id)! - s)
    .sort(ascending);
  const [{ stored }] = await sql<{ stored: number }[]>`
    select count(*)::int as stored from listing_view
    where id = any(${[...sentAt.keys()]}::int[]) and "user" is not null`;
  const missing = sentAt.size - stored;
  const posts = [...sentAt].map(([id, s]) => answeredAt.get(id)! - s).sort(ascending);
  const afterCommit = [...answeredAt].filter(([id]) => seenAt.has(id))
    .map(([id, a]) => Math.max(0, seenAt.get(id)! - a)).sort(ascending);
  console.log(
    `projection lag: ${sentAt.size} listings POSTed at ${offered.toFixed(0)}/s ` +
      `(target ${RATE}/s), ${errors} errors, ${missing} missing from the view after 30 s`,
  );
  console.log(
    `  p50 ${ms(percentile(lags, 0.5))}  p99 ${ms(percentile(lags, 0.99))}  max ${
      ms(lags.at(-1) ?? NaN)
    }  (target p99 <= 100 ms; ${polls} polls)`,
  );
  console.log(
    `  of which the POST itself: p50 ${ms(percentile(posts, 0.5))}  p99 ${
      ms(percentile(posts, 0.99))
    }; from its 201 to visible: p50 ${ms(percentile(afterCommit, 0.5))}  p99 ${
      ms(percentile(afterCommit, 0.99))
    }`,
  );
  if (errors > 0 || missing > 0 || !(percentile(lags, 0.99) <= 100)) failed = true;

  console.log(`load average after: ${loadAverage()}`);
  return failed;
});
console.log(missed ? "cqrs bench: a target was missed" : "cqrs bench: all targets met");
