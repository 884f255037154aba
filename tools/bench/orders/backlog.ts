/**
 * Backlog: --orders more orders published while the service is paused, then drained; and the
 * memory the orders process holds, empty and with every order cached.
 */
import { loadAverage, waitFor } from "../kit/mod.ts";
import type { OrdersBench } from "./context.ts";

/** Runs the phase and prints it. This also brings the cache to twice --orders. */
export async function backlog(ctx: OrdersBench): Promise<void> {
  const { pid, flags: { orders: n } } = ctx;
  const { uids, payloads } = ctx.newOrders();
  // Paused (SIGSTOP) while publishing, the service then drains with nothing else competing.
  Deno.kill(pid, "SIGSTOP");
  try {
    await ctx.publish(payloads);
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
  const drainStarted = performance.now();
  const drainCpu0 = await ctx.cpu();
  await ctx.readable(uids[uids.length - 1]);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const drainCpu = (await ctx.cpu()) - drainCpu0;
  console.log(
    `\nbacklog: ${n} orders waiting in the stream, all readable over HTTP after ${
      drainSeconds.toFixed(2)
    } s: ${Math.round(n / drainSeconds)} orders/s (${
      (drainCpu * 1e6 / n).toFixed(0)
    } µs CPU/order in the orders process)`,
  );
}

/** Resident memory of a process, in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** Prints the service's memory once its mirror holds every order, beside `rssEmpty`. */
export async function memory(ctx: OrdersBench, rssEmpty: number): Promise<void> {
  const { url, pid, flags: { orders: n } } = ctx;
  const mirror = await waitFor("mirror holds every order", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const entries = Number(/^orders_cache_mirror_entries\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    return entries >= 2 * n ? entries : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  await new Promise((r) => setTimeout(r, 2_000));
  const rssFull = await rssOf(pid);
  const metricsText = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metricsText)?.[1] ?? NaN);
  console.log(`load average after: ${loadAverage()}`);
  console.log(
    `\nmemory: orders process RSS ${mb(rssEmpty)} MB empty, ${
      mb(rssFull)
    } MB with ${mirror} cached orders in the mirror (${
      ((rssFull - rssEmpty) / mirror).toFixed(0)
    } bytes/order)`,
  );
  console.log(
    `  order JSON in the mirror ${mb(metric("orders_cache_mirror_bytes"))} MB; V8 heap used ${
      mb(metric("nodejs_heap_size_used_bytes"))
    } MB of ${mb(metric("nodejs_heap_size_total_bytes"))} MB; external ${
      mb(metric("nodejs_external_memory_bytes"))
    } MB`,
  );
}
