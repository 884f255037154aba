/** Composition root of the orders service (port 8087): the WB order tracker. */
import {
  bootstrap,
  deadLetterCatalog,
  defineCatalog,
  mergeCatalogs,
  provision,
  serve,
  startConsumer,
} from "@flotilla/backbone";
import {
  ORDERS_BUCKET,
  ORDERS_INGEST_CONSUMER,
  ORDERS_STREAM,
  ordersCatalog,
} from "@flotilla/contracts";
import { OrderCache } from "./adapters/order_cache.ts";
import { createApp } from "./app.ts";
import { loadOrdersConfig, SERVICE } from "./config.ts";
import { type IncomingOrder, ingestOrders, orderDecoder } from "./handlers/ingest.ts";
import { orderReads } from "./handlers/queries.ts";
import { keepRefilled } from "./handlers/refill.ts";
import { withFastReads } from "./routes/fast_read.ts";

const config = loadOrdersConfig();
const catalog = mergeCatalogs(deadLetterCatalog, ordersCatalog);
const runtime = await bootstrap({
  service: SERVICE,
  catalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  logLevel: config.LOG_LEVEL,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});
const { logger, metrics, sql } = runtime;

const cache = new OrderCache({
  kv: await runtime.kv(ORDERS_BUCKET),
  nc: runtime.nats.nc,
  bucket: ORDERS_BUCKET,
  maxEntries: config.ORDERS_CACHE_ENTRIES,
  logger,
  metrics,
});
cache.start();
runtime.lifecycle.defer("order cache", () => cache.stop());

const refill = keepRefilled({
  cache,
  sql,
  logger,
  intervalMs: config.ORDERS_REFILL_CHECK_MS,
  recreateBucket: async () => {
    await provision(runtime.nats.nc, defineCatalog({ kv: ordersCatalog.kv }));
  },
});
runtime.lifecycle.defer("order cache refill", () => refill.stop());

const ingestHandler = ingestOrders({ cache, metrics });
for (let worker = 0; worker < config.ORDERS_INGEST_WORKERS; worker++) {
  const ingest = startConsumer<IncomingOrder>({
    nc: runtime.nats.nc,
    catalog,
    stream: ORDERS_STREAM,
    durable: ORDERS_INGEST_CONSUMER,
    logger,
    metrics,
    sql,
    decode: orderDecoder(config.ORDERS_MAX_MESSAGE_BYTES),
    batch: {
      handler: ingestHandler,
      size: config.ORDERS_BATCH_SIZE,
      maxWaitMs: config.ORDERS_BATCH_WAIT_MS,
    },
  });
  runtime.lifecycle.defer(`orders ingest ${worker}`, () => ingest.stop());
}

const app = createApp({
  service: SERVICE,
  logger,
  metrics,
  readiness: { ...runtime.readiness, order_cache: () => cache.warm },
  reads: orderReads({ cache, sql, logger, metrics }),
});
// The mirror's fast path in front of the app.
serve(runtime, { fetch: withFastReads(app, (uid) => cache.local(uid), metrics) }, config.PORT);
