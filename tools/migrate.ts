/**
 * `deno task migrate [service…]`: creates each service's database if needed and applies the
 * backbone and service migrations. Services also migrate at start-up; this is for deploys and
 * for looking at the schema without starting anything. Uses DATABASE_URL (any database on the
 * server; default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { BACKBONE_SCOPE, connectPostgres, migrate } from "@flotilla/backbone";
import { ensureDatabase } from "@flotilla/infra";
import { services } from "./services.ts";

const server = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const wanted = Deno.args.length > 0 ? Deno.args : services.map((s) => s.name);
const unknown = wanted.filter((name) => !services.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`Unknown service(s): ${unknown.join(", ")}`);
  Deno.exit(2);
}
let failed = false;
for (const s of services.filter((s) => wanted.includes(s.name) && s.database)) {
  const url = server.replace(/\/[^/?]*(\?.*)?$/, `/${s.database}$1`);
  try {
    await ensureDatabase(server, s.database!);
    const sql = connectPostgres({ url, name: "migrate", max: 1 });
    try {
      const applied = await migrate(sql, [BACKBONE_SCOPE, s.name]);
      console.log(`${s.name.padEnd(13)} ${applied.length ? applied.join(", ") : "up to date"}`);
    } finally {
      await sql.end();
    }
  } catch (err) {
    failed = true;
    console.error(`${s.name.padEnd(13)} FAILED: ${err instanceof Error ? err.message : err}`);
  }
}
Deno.exit(failed ? 1 : 0);
