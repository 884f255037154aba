/** A service-shaped worker for the shutdown tests: batch consumer writing one row per event. */
import { env as vars, loadConfig } from "../config.ts";
import { startConsumer } from "../consumer.ts";
import { createHttpApp } from "../http.ts";
import { bootstrap, serve } from "../service.ts";
import { testCatalog } from "@flotilla/testkit";

const config = loadConfig({
  PORT: vars.port(0),
  NATS_URL: vars.natsUrl(),
  DATABASE_URL: vars.databaseUrl("test"),
  BATCH_DELAY_MS: vars.millis(20),
});
const runtime = await bootstrap({
  service: "batch-worker",
  catalog: testCatalog,
  natsUrl: config.NATS_URL,
  databaseUrl: config.DATABASE_URL,
  migrations: "none",
  logLevel: "warn",
});
await runtime
  .sql`create table if not exists effects (n int primary key, at timestamptz default now())`;
const consumer = startConsumer<{ n: number }>({
  nc: runtime.nats.nc,
  sql: runtime.sql,
  catalog: testCatalog,
  stream: "TEST",
  durable: "test-worker",
  logger: runtime.logger,
  batch: {
    size: 100,
    handler: async (events, { tx }) => {
      await tx`insert into effects ${tx(events.map((e) => ({ n: e.data.n })))}`;
      await new Promise((r) => setTimeout(r, config.BATCH_DELAY_MS)); // a slow batch
    },
  },
});
runtime.lifecycle.defer("consumer", () => consumer.stop());
serve(
  runtime,
  createHttpApp({ service: "batch-worker", logger: runtime.logger, metrics: runtime.metrics }),
  config.PORT,
);
