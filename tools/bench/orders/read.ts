/**
 * Read: 1,000 cached orders at random over --connections for --duration s (wrk), against the
 * orders service, against a bare Deno.serve answering the same bytes from a Map, and through
 * the service's whole Hono app (`?via=router`).
 */
import { testIdentity } from "@flotilla/testkit";
import { freePort } from "@flotilla/infra";
import { waitForOk, wrk, type WrkResult } from "../kit/mod.ts";
import type { OrdersBench } from "./context.ts";

/** The argument that makes the bench's own module the baseline server. */
export const BASELINE_FLAG = "--baseline-server";

const PREFIX = "/api/v1/orders/";

/** The baseline: a bare Deno.serve answering the sampled orders' bytes from a Map. */
export async function serveBaseline(port: number, file: string): Promise<void> {
  const entries: [string, string][] = JSON.parse(await Deno.readTextFile(file));
  const encoder = new TextEncoder();
  const map = new Map(entries.map(([k, v]) => [k, encoder.encode(v)]));
  Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    const body = path.startsWith(PREFIX) ? map.get(path.slice(PREFIX.length)) : undefined;
    return body
      ? new Response(body, { headers: { "content-type": "application/json" } })
      : new Response("not found", { status: 404 });
  });
}

/**
 * A wrk script requesting `ids` at random, each path followed by `suffix`, with one token for
 * the whole run (the service verifies it once and then finds it cached, as behind the gateway).
 */
function randomIdsScript(ids: string[], token: string, suffix = ""): string {
  const path = `"${PREFIX}" .. ids[math.random(#ids)]${suffix ? ` .. "${suffix}"` : ""}`;
  return `local ids = {${ids.map((s) => `"${s}"`).join(",")}}\n` +
    `wrk.headers["Authorization"] = "Bearer ${token}"\n` +
    `math.randomseed(os.time())\n` +
    `request = function() return wrk.format("GET", ${path}) end\n`;
}

const fmtRead = (r: WrkResult) =>
  `${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${
    r.p99Ms.toFixed(2)
  } ms, non-2xx ${r.non2xx}`;

/** Runs the phase over the first 1,000 of `uids` and prints it. */
export async function read(ctx: OrdersBench, baselineMain: string, uids: string[]) {
  const { bench, url, flags: { connections, duration } } = ctx;
  const sample = uids.slice(0, 1_000);
  const entries: [string, string][] = [];
  for (const uid of sample) {
    const res = await testIdentity.fetch("orders")(`${url}${PREFIX}${uid}`);
    entries.push([uid, await res.text()]);
  }
  const file = `${bench.dir}/sample.json`;
  await Deno.writeTextFile(file, JSON.stringify(entries));
  const basePort = freePort();
  bench.deno([baselineMain, BASELINE_FLAG, String(basePort), file]);
  const baseUrl = `http://127.0.0.1:${basePort}`;
  await waitForOk(`${baseUrl}${PREFIX}${sample[0]}`, 60_000);

  const script = `${bench.dir}/random_ids.lua`;
  const token = await testIdentity.token("orders");
  await Deno.writeTextFile(script, randomIdsScript(sample, token));
  // The same reads through the whole Hono app (a query string skips the mirror fast path).
  const routedScript = `${bench.dir}/random_ids_routed.lua`;
  await Deno.writeTextFile(routedScript, randomIdsScript(sample, token, "?via=router"));
  const load = (target: string, seconds: number, lua = script) =>
    wrk(target, { seconds, connections, threads: 2, script: lua });
  await load(baseUrl, 2); // warm-up
  await load(url, 2);
  const base = await load(baseUrl, duration);
  const svc = await load(url, duration);
  const routed = await load(url, duration, routedScript);
  console.log(
    `\nread: ${sample.length} cached orders, ${connections} connections, ${duration} s, random ids (wrk)`,
  );
  console.log(`  bare Deno.serve + Map:  ${fmtRead(base)}`);
  console.log(`  orders service:         ${fmtRead(svc)}`);
  console.log(
    `  ratio service/bare:     ${(svc.rps / base.rps).toFixed(2)}   target ≥ 0.7, p99 ≤ 5 ms`,
  );
  console.log(
    `  through the full router: ${fmtRead(routed)} (ratio ${(routed.rps / base.rps).toFixed(2)})`,
  );
}
