/** orders: the WB order tracker (port 8087). */
import {
  deadLetterCatalog,
  defineCatalog,
  mergeCatalogs,
  provision,
  runService,
} from "@flotilla/backbone";
import { ORDERS_BUCKET, ordersAccess, ordersCatalog } from "@flotilla/contracts";
import { OrderCache } from "./adapters/order_cache.ts";
import { createApp } from "./app.ts";
import { loadOrdersConfig, SERVICE } from "./config.ts";
import { ingestConsumer } from "./consumers.ts";
import { orderReads } from "./queries/order_reads.ts";
import { withFastReads } from "./routes/fast_read.ts";
import { cacheWorker, refillWorker } from "./workers.ts";

const config = loadOrdersConfig();
await runService({
  name: SERVICE,
  config,
  needs: {
    nats: { catalog: mergeCatalogs(deadLetterCatalog, ordersCatalog), access: ordersAccess },
    postgres: {},
  },
  start: async (rt) => {
    const { logger, metrics, sql } = rt;
    const cache = new OrderCache({
      kv: await rt.kv(ORDERS_BUCKET),
      nc: rt.nats.nc,
      bucket: ORDERS_BUCKET,
      maxEntries: config.ORDERS_CACHE_ENTRIES,
      logger,
      metrics,
    });
    const refill = refillWorker({
      cache,
      sql,
      logger,
      intervalMs: config.ORDERS_REFILL_CHECK_MS,
      recreateBucket: () =>
        provision(rt.nats.nc, defineCatalog({ kv: ordersCatalog.kv })).then(() => {}),
    });
    const app = createApp({
      ...rt,
      readiness: { ...rt.readiness, order_cache: () => cache.warm },
      reads: orderReads({ cache, sql, logger, metrics }),
    });
    return {
      // The mirror's fast path in front of the app.
      app: { fetch: withFastReads(app, (uid) => cache.local(uid), rt.identity, metrics) },
      consumers: [ingestConsumer({ cache, metrics }, config)],
      workers: [cacheWorker(cache), refill],
    };
  },
});
