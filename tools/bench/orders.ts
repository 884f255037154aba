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
 * The phases live in tools/bench/orders/.
 */
import { deadLetterCatalog, mergeCatalogs } from "@flotilla/backbone";
import { ordersAccess, ordersCatalog } from "@flotilla/contracts";
import { Bench, loadAverage, numberFlags, requireWrk } from "./kit/mod.ts";
import { backlog, memory, rssOf } from "./orders/backlog.ts";
import { OrdersBench } from "./orders/context.ts";
import { ingest } from "./orders/ingest.ts";
import { BASELINE_FLAG, read, serveBaseline } from "./orders/read.ts";

async function bench(): Promise<void> {
  await requireWrk();
  const flags = numberFlags({ orders: 50_000, duration: 10, connections: 50 });
  await Bench.run("orders", async (bench) => {
    const nats = await bench.nats();
    const pg = await bench.postgres();
    const nc = await bench.connect(nats);
    await bench.provision(nats, mergeCatalogs(deadLetterCatalog, ordersCatalog));
    const service = await bench.service("services/orders/main.ts", {
      env: {
        ...await bench.serviceEnv(ordersAccess, nats, pg),
        ORDERS_CACHE_ENTRIES: String(2 * flags.orders + 10_000),
      },
    });
    const ctx = new OrdersBench(bench, service, nc, flags);
    const rssEmpty = await rssOf(ctx.pid);
    console.log(`load average before: ${loadAverage()} (${navigator.hardwareConcurrency} CPUs)`);
    console.log(
      `orders bench: ${flags.orders} orders, nats ${nats.url}, postgres ${pg.url}, service ${ctx.url}`,
    );

    const uids = await ingest(ctx);
    await read(ctx, new URL(import.meta.url).pathname, uids);
    await backlog(ctx);
    await memory(ctx, rssEmpty);
  });
}

if (Deno.args[0] === BASELINE_FLAG) await serveBaseline(Number(Deno.args[1]), Deno.args[2]);
else await bench();
