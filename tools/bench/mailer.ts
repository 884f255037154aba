/**
 * `deno task bench mailer [clients] [concurrency] [replicas]`: one mailing to 50,000 clients
 * through the provider simulator, at 0 ms and at 50 ms simulated latency; prints messages/s
 * delivered. Starts its own nats-server, PostgreSQL, simulator and mailer process(es) (all on
 * 127.0.0.1, temp dirs), and stops them. Bounded: each run gives up after RUN_TIMEOUT_MS.
 */
import postgres from "postgres";
import { ensureDatabase, freePort, startNats, startPostgres } from "@flotilla/infra";
import { seedClients } from "@flotilla/mailer/testing";
import { testIdentity } from "@flotilla/testkit";
import { startProviderSim } from "../provider-sim/main.ts";

const CLIENTS = Number(Deno.args[0] ?? 50_000);
const CONCURRENCY = Number(Deno.args[1] ?? 256);
const REPLICAS = Number(Deno.args[2] ?? 1);
const LATENCIES = [0, 50];
const RUN_TIMEOUT_MS = 240_000;
const TARGET_AT_50MS = 2_000;

const dir = await Deno.makeTempDir({ prefix: "flotilla-bench-mailer-" });
await Deno.chmod(dir, 0o755);
const nats = await startNats({ dir: `${dir}/nats` });
const pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
await ensureDatabase(pg.url, "mailer");
const databaseUrl = pg.urlFor("mailer");
const sim = startProviderSim({ port: freePort() });
const ports = Array.from({ length: REPLICAS }, () => freePort());
const mailerUrl = `http://127.0.0.1:${ports[0]}`;
const children = ports.map((port) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../services/mailer/main.ts", import.meta.url).pathname],
    env: {
      PORT: String(port),
      NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      PROVIDER_URL: sim.url,
      PROVIDER_TOKEN: "dev-token",
      LOG_LEVEL: "warn",
      SENDER_CONCURRENCY: String(CONCURRENCY),
      SCHEDULER_INTERVAL_MS: "200",
      ...testIdentity.env,
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn()
);
const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

async function cleanup() {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
  }
  await sql.end({ timeout: 1 }).catch(() => {});
  await sim.stop();
  await nats.stop();
  await pg.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const ready = Date.now() + 60_000;
  for (const port of ports) {
    while (true) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }).catch(() => false);
      if (ok) break;
      if (Date.now() > ready) throw new Error("the mailer did not become ready");
      await sleep(200);
    }
  }

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
} finally {
  await cleanup();
}
