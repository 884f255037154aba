/**
 * `deno task bench gateway [--seconds N] [--connections N]`: gateway overhead. In one run it
 * starts a stub upstream (a separate process on the services' HTTP stack, `createHttpApp`,
 * answering a page of 20 listings as listing-view would) and the real gateway process in front
 * of it, then loads both with wrk (or a bounded Deno loop when wrk is missing), alternating
 * direct → gateway twice, and prints requests/s, latency and the ratio gateway / direct
 * (target ≥ 0.6). Everything runs on 127.0.0.1; nothing needs NATS or Postgres.
 */
import { createHttpApp, createMetrics, silentLogger } from "../../shared/mod.ts";
import { freePort } from "../infra.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};

const UPSTREAM_FLAG = "--serve-upstream";

/** The stub upstream, run in its own process by the bench itself. */
function serveUpstream(port: number): void {
  const app = createHttpApp({
    service: "listing-view",
    logger: silentLogger,
    metrics: createMetrics("listing-view", { process: false }),
  });
  const user = { id: 1, name: "Ada", created_at: 1_700_000_000_000, updated_at: 1_700_000_000_000 };
  const listings = Array.from({ length: 20 }, (_, i) => ({
    id: 1000 - i,
    listing_type: i % 2 ? "rent" : "sale",
    price: 100_000 + i,
    created_at: 1_700_000_000_000 + i,
    updated_at: 1_700_000_000_000 + i,
    photos: [],
    user,
  }));
  app.get("/api/v1/listing-view", (c) => c.json({ result: true, listings }));
  Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, app.fetch);
}

interface Load {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function haveWrk(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("wrk", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success || true;
  } catch {
    return false;
  }
}

const toMs = (value: string, unit: string) =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

async function wrk(url: string, seconds: number, connections: number): Promise<Load> {
  const { stdout } = await new Deno.Command("wrk", {
    args: ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps, p50Ms: pct("50"), p99Ms: pct("99"), errors: non2xx + socketErrors };
}

/** Fallback load: `connections` keep-alive loops in this process, for `seconds`. */
async function loop(url: string, seconds: number, connections: number): Promise<Load> {
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (!res.ok) errors++;
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

async function bench(): Promise<void> {
  const seconds = arg("seconds", 5);
  const connections = arg("connections", 32);
  const upstreamPort = freePort();
  const gatewayPort = freePort();
  const self = new URL(import.meta.url).pathname;
  const upstream = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", self, UPSTREAM_FLAG, String(upstreamPort)],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const gateway = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../services/gateway/main.ts", import.meta.url).pathname],
    env: {
      PORT: String(gatewayPort),
      LOG_LEVEL: "error",
      UPSTREAM_LISTING_VIEW: `http://127.0.0.1:${upstreamPort}`,
      // The limiter stays on (its cost is part of the overhead) but never refuses here.
      RATE_LIMIT_RPS: "1000000000",
      RATE_LIMIT_BURST: "1000000000",
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    const path = "/api/v1/listing-view?page_num=1&page_size=20";
    const direct = `http://127.0.0.1:${upstreamPort}${path}`;
    const through = `http://127.0.0.1:${gatewayPort}${path}`;
    await waitFor(direct);
    await waitFor(through);
    const useWrk = await haveWrk();
    const load = useWrk ? wrk : loop;
    console.log(
      `gateway bench: ${useWrk ? "wrk -t1" : "Deno loop"}, ${connections} connections, ` +
        `${seconds} s per run, 2 CPUs shared by load generator, gateway and upstream`,
    );
    await load(direct, 1, connections); // warm-up, not counted
    await load(through, 1, connections);
    const runs: { direct: Load; gateway: Load }[] = [];
    for (let round = 1; round <= 2; round++) {
      const d = await load(direct, seconds, connections);
      const g = await load(through, seconds, connections);
      runs.push({ direct: d, gateway: g });
      const fmt = (l: Load) =>
        `${l.rps.toFixed(0)} req/s, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${
          l.p99Ms.toFixed(2)
        } ms, errors ${l.errors}`;
      console.log(`round ${round}: direct   ${fmt(d)}`);
      console.log(`round ${round}: gateway  ${fmt(g)}`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const directRps = mean(runs.map((r) => r.direct.rps));
    const gatewayRps = mean(runs.map((r) => r.gateway.rps));
    const ratio = gatewayRps / directRps;
    console.log(`direct to upstream: ${directRps.toFixed(0)} req/s (mean of 2 runs)`);
    console.log(`through the gateway: ${gatewayRps.toFixed(0)} req/s (mean of 2 runs)`);
    console.log(
      `ratio gateway/direct: ${ratio.toFixed(2)} (target ≥ 0.6: ${
        ratio >= 0.6 ? "met" : "NOT met"
      })`,
    );
  } finally {
    for (const child of [gateway, upstream]) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    }
  }
}

if (Deno.args[0] === UPSTREAM_FLAG) serveUpstream(Number(Deno.args[1]));
else await bench();
