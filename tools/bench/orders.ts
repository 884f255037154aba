/**
 * `deno task bench orders`: the orders service on its own nats-server and PostgreSQL (temp dirs,
 * 127.0.0.1 only; the service as its own NATS identity and database role, the bench publishing
 * as the admin), bounded in count and time (about two minutes). It prints:
 * - ingest: 50,000 valid orders published; time until all are readable over HTTP, in orders/s,
 *   and the raw JetStream consume+ack rate of the same 50,000 messages in the same run;
 * - read: 1,000 cached orders, 50 connections, 10 s, random ids (wrk), against
 *   GET /api/v1/orders/{id} and against a bare Deno.serve returning the same bytes from a Map:
 *   requests/s, p50/p99 latency and the ratio;
 *   and, for comparison, the same reads through the whole Hono app (`?via=router`);
 * - backlog: N more orders published while the service is paused, then drained;
 * - memory: resident memory of the orders process empty and with 100,000 cached orders.
 * Options: --orders 50000 --duration 10 --connections 50.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { deadLetterCatalog, mergeCatalogs } from "@flotilla/backbone";
import {
  ORDERS_NEW_SUBJECT,
  ORDERS_STREAM,
  ordersAccess,
  ordersCatalog,
} from "@flotilla/contracts";
import { randomOrder, seededRandom } from "@flotilla/orders/random-orders";
import { freePort } from "@flotilla/infra";
import { Bench, requireWrk } from "./kit/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

if (Deno.args[0] === "--baseline-server") {
  // The baseline: a bare Deno.serve answering the same bytes from a Map.
  const [, port, file] = Deno.args;
  const entries: [string, string][] = JSON.parse(await Deno.readTextFile(file));
  const encoder = new TextEncoder();
  const map = new Map(entries.map(([k, v]) => [k, encoder.encode(v)]));
  const prefix = "/api/v1/orders/";
  Deno.serve({ hostname: "127.0.0.1", port: Number(port), onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    const body = path.startsWith(prefix) ? map.get(path.slice(prefix.length)) : undefined;
    return body
      ? new Response(body, { headers: { "content-type": "application/json" } })
      : new Response("not found", { status: 404 });
  });
} else {
  await main();
}

async function main() {
  await requireWrk();
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      orders: { type: "string", default: "50000" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "50" },
    },
  });
  const N = Number(values.orders);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const bench = await Bench.open("orders");
  const dir = bench.dir;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  const log = (s: string) => console.log(s);
  try {
    const nats = await bench.nats();
    const pg = await bench.postgres();
    const nc = await bench.connect(nats);
    await bench.provision(nats, mergeCatalogs(deadLetterCatalog, ordersCatalog));
    const identity = await bench.serviceEnv(ordersAccess, nats, pg);
    const js = jetstream(nc);
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const service = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}services/orders/main.ts`],
      env: {
        PORT: String(port),
        ...identity,
        LOG_LEVEL: "warn",
        ORDERS_CACHE_ENTRIES: String(2 * N + 10_000),
      },
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    cleanup.push(() => {
      try {
        service.kill("SIGKILL");
      } catch { /* gone */ }
      return service.status;
    });
    await until("orders service ready", async () => (await fetch(`${url}/readyz`)).ok);
    const rssEmpty = await rssOf(service.pid);
    log(`load average before: ${await loadAverage()} (${navigator.hardwareConcurrency} CPUs)`);
    log(`orders bench: ${N} orders, nats ${nats.url}, postgres ${pg.url}, service ${url}`);

    // Ingest.
    const random = seededRandom(42);
    const encoder = new TextEncoder();
    const first = Array.from({ length: N }, () => randomOrder(random));
    const payloads = first.map((o) => encoder.encode(JSON.stringify(o)));
    const cpu0 = await cpuSecondsOf(service.pid);
    const t0 = performance.now();
    await publishAll(js, payloads);
    const published = performance.now();
    const last = first[first.length - 1].order_uid;
    await until(
      "the last order readable",
      async () => {
        const res = await fetch(`${url}/api/v1/orders/${last}`);
        await res.body?.cancel();
        return res.ok;
      },
      300_000,
      // Each miss costs the service a Postgres query: poll gently, 50 ms is noise here.
      50,
    );
    const ingestSeconds = (performance.now() - t0) / 1000;
    const ingestCpu = (await cpuSecondsOf(service.pid)) - cpu0;
    const readable = await countReadable(url, first.map((o) => o.order_uid), connections);
    const rawCpu0 = process.cpuUsage();
    const raw = await rawConsume(nc, N);
    const rawCpuUsage = process.cpuUsage(rawCpu0);
    const rawCpu = (rawCpuUsage.user + rawCpuUsage.system) / 1e6;
    log(
      `\ningest: ${N} orders published in ${
        ((published - t0) / 1000).toFixed(2)
      } s; all readable over HTTP after ${ingestSeconds.toFixed(2)} s`,
    );
    log(
      `  orders service:         ${
        Math.round(N / ingestSeconds)
      } orders/s (validate, Postgres batch, KV, mirror); ${readable}/${N} verified readable`,
    );
    log(
      `  raw consume+ack:        ${Math.round(N / raw)} msgs/s (${
        raw.toFixed(2)
      } s, same ${N} messages, same stream)`,
    );
    log(`  ratio service/raw:      ${(raw / ingestSeconds).toFixed(2)}   target ≥ 5,000 orders/s`);
    log(
      `  CPU of the orders process: ${ingestCpu.toFixed(1)} s for ${N} orders = ${
        (ingestCpu * 1e6 / N).toFixed(0)
      } µs/order (raw consumer: ${(rawCpu * 1e6 / N).toFixed(0)} µs/msg)`,
    );

    // Read.
    const sample = first.slice(0, 1_000).map((o) => o.order_uid);
    const entries: [string, string][] = [];
    for (const uid of sample) {
      const res = await fetch(`${url}/api/v1/orders/${uid}`);
      entries.push([uid, await res.text()]);
    }
    const file = `${dir}/sample.json`;
    await Deno.writeTextFile(file, JSON.stringify(entries));
    const basePort = freePort();
    const baseline = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--baseline-server",
        String(basePort),
        file,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    cleanup.push(() => {
      try {
        baseline.kill("SIGKILL");
      } catch { /* gone */ }
      return baseline.status;
    });
    const baseUrl = `http://127.0.0.1:${basePort}`;
    await until("baseline ready", async () => {
      const res = await fetch(`${baseUrl}/api/v1/orders/${sample[0]}`);
      return (await res.text()) === entries[0][1];
    });
    const script = `${dir}/random_ids.lua`;
    await Deno.writeTextFile(
      script,
      `local ids = {${sample.map((s) => `"${s}"`).join(",")}}\n` +
        `math.randomseed(os.time())\n` +
        `request = function() return wrk.format("GET", "/api/v1/orders/" .. ids[math.random(#ids)]) end\n`,
    );
    await wrk(baseUrl, script, 2, connections); // warm-up
    await wrk(url, script, 2, connections);
    const base = await wrk(baseUrl, script, duration, connections);
    const svc = await wrk(url, script, duration, connections);
    // The same reads through the whole Hono app (a query string skips the mirror fast path).
    const routedScript = `${dir}/random_ids_routed.lua`;
    await Deno.writeTextFile(
      routedScript,
      (await Deno.readTextFile(script)).replace(
        "ids[math.random(#ids)])",
        'ids[math.random(#ids)] .. "?via=router")',
      ),
    );
    const routed = await wrk(url, routedScript, duration, connections);
    log(
      `\nread: ${sample.length} cached orders, ${connections} connections, ${duration} s, random ids (wrk)`,
    );
    log(`  bare Deno.serve + Map:  ${fmtRead(base)}`);
    log(`  orders service:         ${fmtRead(svc)}`);
    log(`  ratio service/bare:     ${(svc.rps / base.rps).toFixed(2)}   target ≥ 0.7, p99 ≤ 5 ms`);
    log(
      `  through the full router: ${fmtRead(routed)} (ratio ${(routed.rps / base.rps).toFixed(2)})`,
    );

    // A backlog: N more orders published while the service is paused (SIGSTOP), then drained
    // with nothing else competing for the CPU. This also brings the cache to 2N orders.
    const second = Array.from({ length: N }, () => randomOrder(random));
    Deno.kill(service.pid, "SIGSTOP");
    try {
      await publishAll(js, second.map((o) => encoder.encode(JSON.stringify(o))));
    } finally {
      Deno.kill(service.pid, "SIGCONT");
    }
    const drainStarted = performance.now();
    const drainCpu0 = await cpuSecondsOf(service.pid);
    const lastSecond = second[second.length - 1].order_uid;
    await until(
      "the second half readable",
      async () => {
        const res = await fetch(`${url}/api/v1/orders/${lastSecond}`);
        await res.body?.cancel();
        return res.ok;
      },
      300_000,
      50,
    );
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const drainCpu = (await cpuSecondsOf(service.pid)) - drainCpu0;
    log(
      `\nbacklog: ${N} orders waiting in the stream, all readable over HTTP after ${
        drainSeconds.toFixed(2)
      } s: ${Math.round(N / drainSeconds)} orders/s (${
        (drainCpu * 1e6 / N).toFixed(0)
      } µs CPU/order in the orders process)`,
    );
    const mirror = await until(
      "mirror holds every order",
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const n = Number(/^orders_cache_mirror_entries\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
        return n >= 2 * N ? n : undefined;
      },
      120_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const rssFull = await rssOf(service.pid);
    const metricsText = await (await fetch(`${url}/metrics`)).text();
    const metric = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metricsText)?.[1] ?? NaN);
    log(`load average after: ${await loadAverage()}`);
    log(
      `\nmemory: orders process RSS ${mb(rssEmpty)} MB empty, ${
        mb(rssFull)
      } MB with ${mirror} cached orders in the mirror (${
        ((rssFull - rssEmpty) / mirror).toFixed(0)
      } bytes/order)`,
    );
    log(
      `  order JSON in the mirror ${mb(metric("orders_cache_mirror_bytes"))} MB; V8 heap used ${
        mb(metric("nodejs_heap_size_used_bytes"))
      } MB of ${mb(metric("nodejs_heap_size_total_bytes"))} MB; external ${
        mb(metric("nodejs_external_memory_bytes"))
      } MB`,
    );
  } finally {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => {});
    await bench.close();
  }
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`bench: timed out waiting for ${what}`);
}

async function publishAll(js: ReturnType<typeof jetstream>, payloads: Uint8Array[]) {
  for (let i = 0; i < payloads.length; i += 1_000) {
    await Promise.all(payloads.slice(i, i + 1_000).map((p) => js.publish(ORDERS_NEW_SUBJECT, p)));
  }
}

async function countReadable(url: string, uids: string[], workers: number): Promise<number> {
  let next = 0;
  let ok = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < uids.length) {
      const res = await fetch(`${url}/api/v1/orders/${uids[next++]}`);
      await res.body?.cancel();
      if (res.ok) ok++;
    }
  }));
  return ok;
}

/** Seconds to consume and ack `n` messages of the ORDERS stream with a fresh durable consumer. */
async function rawConsume(nc: Parameters<typeof jetstream>[0], n: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(ORDERS_STREAM, {
    durable_name: "bench-raw",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 4_000,
  });
  const consumer = await jetstream(nc).consumers.get(ORDERS_STREAM, "bench-raw");
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 1_000 });
  let seen = 0;
  for await (const m of messages) {
    m.ack();
    if (++seen >= n) break;
  }
  await messages.close();
  return (performance.now() - started) / 1000;
}

interface ReadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: string;
}

async function wrk(
  url: string,
  script: string,
  seconds: number,
  connections: number,
): Promise<ReadResult> {
  const out = await new Deno.Command("wrk", {
    args: ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  const ms = (v: string, unit: string) =>
    Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, "m").exec(text);
    return m ? ms(m[1], m[2]) : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN),
    p50: pct("50"),
    p99: pct("99"),
    errors: /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? "0",
  };
}

function fmtRead(r: ReadResult): string {
  return `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${
    r.p99.toFixed(2)
  } ms, non-2xx ${r.errors}`;
}

/** User + system CPU seconds a process has used (clock ticks of 1/100 s). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
