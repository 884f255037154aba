/**
 * Ingest: --orders valid orders published, timed until all are readable over HTTP, beside the
 * raw JetStream consume+ack rate of the same messages in the same run.
 */
import { testIdentity } from "@flotilla/testkit";
import { ORDERS_STREAM } from "@flotilla/contracts";
import { cpuSeconds, rawConsume } from "../kit/mod.ts";
import type { OrdersBench } from "./context.ts";

/** Reads of the service carry a token signed for it, as the gateway sends them. */
const ordersFetch = testIdentity.fetch("orders");

/** Runs the phase and prints it; returns the uids of the orders it published. */
export async function ingest(ctx: OrdersBench): Promise<string[]> {
  const { url, flags: { orders: n, connections } } = ctx;
  const { uids, payloads } = ctx.newOrders();
  const cpu0 = await ctx.cpu();
  const t0 = performance.now();
  await ctx.publish(payloads);
  const published = performance.now();
  await ctx.readable(uids[uids.length - 1]);
  const ingestSeconds = (performance.now() - t0) / 1000;
  const ingestCpu = (await ctx.cpu()) - cpu0;
  const readable = await countReadable(url, uids, connections);
  const rawCpu0 = (await cpuSeconds(Deno.pid)) ?? NaN;
  const raw = await rawConsume(ctx.nc, ORDERS_STREAM, n, { maxAckPending: 4_000 });
  const rawCpu = ((await cpuSeconds(Deno.pid)) ?? NaN) - rawCpu0;
  console.log(
    `\ningest: ${n} orders published in ${
      ((published - t0) / 1000).toFixed(2)
    } s; all readable over HTTP after ${ingestSeconds.toFixed(2)} s`,
  );
  console.log(
    `  orders service:         ${
      Math.round(n / ingestSeconds)
    } orders/s (validate, Postgres batch, KV, mirror); ${readable}/${n} verified readable`,
  );
  console.log(
    `  raw consume+ack:        ${Math.round(n / raw)} msgs/s (${
      raw.toFixed(2)
    } s, same ${n} messages, same stream)`,
  );
  console.log(
    `  ratio service/raw:      ${(raw / ingestSeconds).toFixed(2)}   target ≥ 5,000 orders/s`,
  );
  console.log(
    `  CPU of the orders process: ${ingestCpu.toFixed(1)} s for ${n} orders = ${
      (ingestCpu * 1e6 / n).toFixed(0)
    } µs/order (raw consumer: ${(rawCpu * 1e6 / n).toFixed(0)} µs/msg)`,
  );
  return uids;
}

/** How many of `uids` the service serves, asked over `workers` concurrent connections. */
async function countReadable(url: string, uids: string[], workers: number): Promise<number> {
  let next = 0;
  let ok = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < uids.length) {
      const res = await ordersFetch(`${url}/api/v1/orders/${uids[next++]}`);
      await res.body?.cancel();
      if (res.ok) ok++;
    }
  }));
  return ok;
}
