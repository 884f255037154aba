/**
 * `deno task rebuild-view`: replays the USERS and LISTINGS streams from the start into fresh
 * tables and swaps them in atomically while listing-view keeps answering. Reads NATS_URL and
 * DATABASE_URL (the listing_view database) like the service; prints a JSON report.
 */
import { connectNats, connectPostgres, createLogger, env, loadConfig } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { rebuildView } from "@flotilla/listing-view/rebuild";

const config = loadConfig({
  NATS_URL: env.natsUrl(),
  DATABASE_URL: env.databaseUrl("listing_view"),
  LOG_LEVEL: env.logLevel(),
});
const logger = createLogger({ service: "rebuild-view", level: config.LOG_LEVEL });
const nats = await connectNats({ url: config.NATS_URL, name: "rebuild-view", logger });
const sql = connectPostgres({ url: config.DATABASE_URL, name: "rebuild-view", max: 2 });
try {
  const report = await rebuildView({ sql, nc: nats.nc, catalog: fleetCatalog, logger });
  console.log(JSON.stringify({ rebuilt: true, ...report }));
} finally {
  await sql.end({ timeout: 5 });
  await nats.nc.drain().catch(() => nats.nc.close());
}
