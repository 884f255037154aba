/**
 * `deno task rebuild-view`: replays the USERS and LISTINGS streams from the start into fresh
 * tables and swaps them in atomically while listing-view keeps answering. Connects as the admin
 * (tools/admin.ts) and works on DATABASE_URL's database (listing_view by default) as its owner,
 * so the fresh tables belong to the owner and the service's role keeps its grants on them;
 * prints a JSON report.
 */
import { createLogger, databaseName, env, loadConfig, ownerRole } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { rebuildView } from "@flotilla/listing-view/rebuild";
import { adminPostgres, connectAdminNats } from "./admin.ts";

const config = loadConfig({
  DATABASE_URL: env.databaseUrl(databaseName("listing-view")),
  LOG_LEVEL: env.logLevel(),
});
const database = new URL(config.DATABASE_URL).pathname.slice(1);
const logger = createLogger({ service: "rebuild-view", level: config.LOG_LEVEL });
const nc = await connectAdminNats("rebuild-view");
const sql = adminPostgres("rebuild-view", { database, role: ownerRole(database), max: 2 });
try {
  const report = await rebuildView({ sql, nc, catalog: fleetCatalog, logger });
  console.log(JSON.stringify({ rebuilt: true, ...report }));
} finally {
  await sql.end({ timeout: 5 });
  await nc.drain().catch(() => nc.close());
}
