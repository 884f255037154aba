/**
 * `deno task bench mailer [clients] [concurrency] [replicas]`: one mailing to 50,000 clients
 * through the provider simulator, at 0 ms and at 50 ms simulated latency; prints messages/s
 * delivered. Starts its own nats-server, PostgreSQL, simulator and mailer process(es) (all on
 * 127.0.0.1, temp dirs; the mailer as its own NATS identity and database role), and stops them.
 * Bounded: each run gives up after RUN_TIMEOUT_MS.
 */
import { fleetCatalog, mailerAccess } from "@flotilla/contracts";
import { freePort } from "@flotilla/infra";
import { seedClients } from "@flotilla/mailer/testing";
import { testIdentity } from "@flotilla/testkit";
import { startProviderSim } from "../provider-sim/main.ts";
import { Bench } from "./kit/mod.ts";

const CLIENTS = Number(Deno.args[0] ?? 50_000);
const CONCURRENCY = Number(Deno.args[1] ?? 256);
const REPLICAS = Number(Deno.args[2] ?? 1);
const LATENCIES = [0, 50];
const RUN_TIMEOUT_MS = 240_000;
const TARGET_AT_50MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROVIDER_TOKEN = "bench-token";

await Bench.run("mailer", async (bench) => {
  const nats = await bench.nats();
  const pg = await bench.postgres({ fast: true });
  await bench.provision(nats, fleetCatalog);
  const identity = await bench.serviceEnv(mailerAccess, nats, pg);
  const sim = startProviderSim({ port: freePort(), token: PROVIDER_TOKEN });
  bench.defer(() => sim.stop());
  const mailers = await Promise.all(
    Array.from({ length: REPLICAS }, () =>
      bench.service("services/mailer/main.ts", {
        env: {
          ...identity,
          PROVIDER_URL: sim.url,
          PROVIDER_TOKEN,
          SENDER_CONCURRENCY: String(CONCURRENCY),
          SCHEDULER_INTERVAL_MS: "200",
        },
      })),
  );
  const mailerUrl = mailers[0].url;
  const sql = bench.adminSql(pg, "mailer");

  const seeded = Date.now();
  const zones = ["Europe/Moscow", "Asia/Vladivostok", "America/New_York"];
  await seedClients(sql, CLIENTS, (i) => ({ tag: "bench", timezone: zones[i % 3] }));
  console.log(
    `seeded ${CLIENTS} clients in ${
      Date.now() - seeded
    } ms; ${REPLICAS} mailer replica(s), sender concurrency ${CONCURRENCY} each`,
  );

  const results: { latency: number; rate: number; sendRate: number }[] = [];
  for (const latency of LATENCIES) {
    sim.reset();
    sim.set({ latency_ms: latency });
    const started = Date.now();
    const res = await testIdentity.fetch("mailer")(`${mailerUrl}/api/v1/mailings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start_at: new Date(started - 1_000).toISOString(),
        end_at: new Date(started + 3_600_000).toISOString(),
        text: `Benchmark at ${latency} ms`,
        filter: { tags: ["bench"] },
      }),
    });
    if (!res.ok) throw new Error(`create mailing: ${res.status} ${await res.text()}`);
    const { id } = await res.json();
    let fannedOut = 0;
    let firstSent = 0;
    let sent = 0;
    while (Date.now() - started < RUN_TIMEOUT_MS) {
      const [row] = await sql<{ total: number; sent: number }[]>`
        select count(*)::int as total, count(*) filter (where status = 'sent')::int as sent
        from messages where mailing_id = ${id}`;
      sent = row.sent;
      if (!fannedOut && row.total === CLIENTS) fannedOut = Date.now() - started;
      if (!firstSent && sent > 0) firstSent = Date.now() - started;
      if (sent >= CLIENTS) break;
      await sleep(100);
    }
    const elapsed = Date.now() - started;
    const stats = sim.stats();
    const rate = Math.round(sent / (elapsed / 1000));
    const sendRate = Math.round(sent / ((elapsed - firstSent) / 1000));
    results.push({ latency, rate, sendRate });
    console.log(
      `latency ${latency} ms: ${sent}/${CLIENTS} sent in ${elapsed} ms → ${rate} messages/s ` +
        `(mailing created → last sent); ${sendRate} messages/s from the first send; ` +
        `fan-out committed by ${fannedOut} ms, first send at ${firstSent} ms; provider saw ` +
        `${stats.requests} requests, ${stats.delivered} distinct, ${stats.duplicates} duplicates`,
    );
    if (sent < CLIENTS) console.log(`  gave up after ${RUN_TIMEOUT_MS} ms`);
  }
  const at50 = results.find((r) => r.latency === 50);
  if (at50) {
    console.log(
      `target ≥ ${TARGET_AT_50MS} messages/s at 50 ms: ${at50.rate} messages/s ` +
        `(${(at50.rate / TARGET_AT_50MS).toFixed(2)}× target)`,
    );
  }
});
