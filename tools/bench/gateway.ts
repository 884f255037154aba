/**
 * `deno task bench gateway [--seconds N] [--connections N]`: gateway overhead, in one run, in
 * two set-ups, each loaded with wrk (or a bounded Deno loop when wrk is missing), alternating
 * direct → through the gateway twice:
 *  1. service: the real listing-view service (its own process, on a throw-away nats-server and
 *     PostgreSQL, 20 listings fed through its streams) behind the real gateway process;
 *     this is the issue's "through the gateway vs direct to the service" (target ratio ≥ 0.6);
 *  2. stub: a stub upstream on the services' HTTP stack (`createHttpApp`) that answers the same
 *     page from memory: the worst case, where the gateway's own work is all there is to compare.
 * It prints requests/s, latency and the ratio gateway / direct for each, and the gateway
 * process's CPU time per proxied request. All on 127.0.0.1.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport";
import {
  createEvent,
  createHttpApp,
  createMetrics,
  silentLogger,
  subjectOf,
} from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { ensureDatabase, freePort, startNats, startPostgres } from "@flotilla/infra";

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
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function haveWrk(): Promise<boolean> {
  try {
    // `wrk --version` exits with 1; starting at all is what counts.
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
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
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requests, rps, p50Ms: pct("50"), p99Ms: pct("99"), errors: non2xx + socketErrors };
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
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
  };
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

const seconds = arg("seconds", 5);
const connections = arg("connections", 32);
const PAGE = "/api/v1/listing-view?page_num=1&page_size=20";
const here = (path: string) => new URL(path, import.meta.url).pathname;

function spawn(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

async function stop(children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  }
}

function startGateway(upstreamUrl: string): { url: string; child: Deno.ChildProcess } {
  const port = freePort();
  const child = spawn([here("../../services/gateway/main.ts")], {
    PORT: String(port),
    LOG_LEVEL: "error",
    UPSTREAM_LISTING_VIEW: upstreamUrl,
    // The limiter stays on (its cost is part of the overhead) but never refuses here.
    RATE_LIMIT_RPS: "1000000000",
    RATE_LIMIT_BURST: "1000000000",
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  } catch {
    return undefined;
  }
}

/**
 * Loads `direct` and `through` alternately; prints and returns the mean ratio. It also prints
 * the gateway process's CPU time per proxied request, a figure that other load on the machine
 * changes far less than requests/s.
 */
async function compare(
  label: string,
  direct: string,
  through: string,
  gatewayPid: number,
): Promise<number> {
  const useWrk = await haveWrk();
  const load = useWrk ? wrk : loop;
  await load(direct, 1, connections); // warm-up, not counted
  await load(through, 1, connections);
  const runs: { direct: Load; gateway: Load }[] = [];
  const fmt = (l: Load) =>
    `${l.rps.toFixed(0)} req/s, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${
      l.p99Ms.toFixed(2)
    } ms, errors ${l.errors}`;
  let gatewayCpu = 0;
  for (let round = 1; round <= 2; round++) {
    const d = await load(direct, seconds, connections);
    const before = await cpuSeconds(gatewayPid);
    const g = await load(through, seconds, connections);
    const after = await cpuSeconds(gatewayPid);
    gatewayCpu += before === undefined || after === undefined ? NaN : after - before;
    runs.push({ direct: d, gateway: g });
    console.log(`[${label}] round ${round}: direct   ${fmt(d)}`);
    console.log(`[${label}] round ${round}: gateway  ${fmt(g)}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const directRps = mean(runs.map((r) => r.direct.rps));
  const gatewayRps = mean(runs.map((r) => r.gateway.rps));
  const ratio = gatewayRps / directRps;
  console.log(
    `[${label}] direct ${directRps.toFixed(0)} req/s, through the gateway ${
      gatewayRps.toFixed(0)
    } req/s, ratio ${ratio.toFixed(2)}`,
  );
  const proxied = runs.reduce((n, r) => n + r.gateway.requests, 0);
  if (Number.isFinite(gatewayCpu) && proxied > 0) {
    console.log(
      `[${label}] gateway process CPU: ${(gatewayCpu * 1e6 / proxied).toFixed(0)} µs per ` +
        `proxied request (${(gatewayCpu / (2 * seconds) * 100).toFixed(0)}% of one core)`,
    );
  }
  return ratio;
}

/** The real listing-view on its own infrastructure, with a page of listings to serve. */
async function serviceScenario(): Promise<number | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "flotilla-bench-gateway-" });
  await Deno.chmod(dir, 0o755);
  const nats = await startNats({ dir: `${dir}/nats` });
  const pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
  const children: Deno.ChildProcess[] = [];
  try {
    await ensureDatabase(pg.url, "listing_view");
    const port = freePort();
    children.push(spawn([here("../../services/listing-view/main.ts")], {
      PORT: String(port),
      NATS_URL: nats.url,
      DATABASE_URL: pg.urlFor("listing_view"),
      LOG_LEVEL: "error",
    }));
    const service = `http://127.0.0.1:${port}`;
    await waitFor(`${service}/healthz`);
    // Feed it one user and 20 listings the way the write sides would.
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const micros = Date.now() * 1000;
    const publish = async (type: string, subject: number, data: unknown) => {
      const event = createEvent({ type, source: "bench", subject, data });
      await js.publish(subjectOf(fleetCatalog, type), JSON.stringify(event), { msgID: event.id });
    };
    await publish("user.created", 1, {
      id: 1,
      name: "Ada",
      created_at: micros,
      updated_at: micros,
      version: 1,
    });
    for (let id = 1; id <= 20; id++) {
      await publish("listing.created", id, {
        id,
        user_id: 1,
        listing_type: id % 2 ? "rent" : "sale",
        price: 100_000 + id,
        photos: [],
        created_at: micros + id,
        updated_at: micros + id,
        version: 1,
      });
    }
    await nc.close();
    const deadline = Date.now() + 30_000;
    let count = 0;
    while (Date.now() < deadline && count < 20) {
      const body = await fetch(service + PAGE).then((r) => r.json()).catch(() => ({}));
      count = Array.isArray(body.listings) ? body.listings.length : 0;
      if (count < 20) await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`[service] listing-view serves ${count} listings per page`);
    const gateway = startGateway(service);
    children.push(gateway.child);
    await waitFor(`${gateway.url}${PAGE}`);
    return await compare("service", service + PAGE, gateway.url + PAGE, gateway.child.pid);
  } catch (err) {
    console.log(`[service] skipped: ${err instanceof Error ? err.message : err}`);
    return undefined;
  } finally {
    await stop(children);
    await nats.stop();
    await pg.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function stubScenario(): Promise<number> {
  const port = freePort();
  const upstream = spawn([new URL(import.meta.url).pathname, UPSTREAM_FLAG, String(port)]);
  const stub = `http://127.0.0.1:${port}`;
  const gateway = startGateway(stub);
  try {
    await waitFor(stub + PAGE);
    await waitFor(gateway.url + PAGE);
    return await compare("stub", stub + PAGE, gateway.url + PAGE, gateway.child.pid);
  } finally {
    await stop([gateway.child, upstream]);
  }
}

async function bench(): Promise<void> {
  console.log(
    `gateway bench: ${(await haveWrk()) ? "wrk -t1" : "Deno loop"}, ${connections} connections, ` +
      `${seconds} s per run; ${navigator.hardwareConcurrency} CPUs shared by the load generator, ` +
      `the gateway and the upstream`,
  );
  const service = await serviceScenario();
  const stub = await stubScenario();
  const verdict = (r: number) => `${r.toFixed(2)} (target ≥ 0.6: ${r >= 0.6 ? "met" : "NOT met"})`;
  console.log(
    `ratio gateway/direct, real listing-view: ${service === undefined ? "n/a" : verdict(service)}`,
  );
  console.log(`ratio gateway/direct, in-memory stub:    ${verdict(stub)}`);
}

if (Deno.args[0] === UPSTREAM_FLAG) serveUpstream(Number(Deno.args[1]));
else await bench();
