import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { BACKBONE_SCOPE, migrate, MigrationError } from "./migrate.ts";

integration("migrations apply once, in order, and refuse an edited applied file", async () => {
  await using env = await testEnv();
  const root = new URL(`file://${env.dir}/migrations/`);
  await Deno.mkdir(new URL("svc/", root), { recursive: true });
  await Deno.writeTextFile(new URL("svc/0001_things.sql", root), "create table things (id int);");
  await Deno.writeTextFile(
    new URL("svc/0002_more.sql", root),
    "alter table things add column name text;",
  );
  const sql = env.sql();
  assert.deepEqual(await migrate(sql, ["svc"], { root }), [
    "svc/0001_things.sql",
    "svc/0002_more.sql",
  ]);
  assert.deepEqual(await migrate(sql, ["svc"], { root }), []);
  await sql`insert into things (id, name) values (1, 'a')`;

  await Deno.writeTextFile(
    new URL("svc/0001_things.sql", root),
    "create table things (id bigint);",
  );
  await assert.rejects(
    () => migrate(sql, ["svc"], { root }),
    (err: unknown) =>
      err instanceof MigrationError && /0001_things\.sql was edited/.test(err.message),
  );
});

integration("concurrent runners apply each migration exactly once", async () => {
  await using env = await testEnv();
  const pools = [env.sql(2), env.sql(2), env.sql(2)];
  const files = [...Deno.readDirSync(new URL("../../migrations/_backbone/", import.meta.url))]
    .filter((e) => e.name.endsWith(".sql"));
  const results = await Promise.all(pools.map((sql) => migrate(sql, [BACKBONE_SCOPE])));
  assert.equal(results.flat().length, files.length);
  const [row] = await pools[0]`select count(*)::int as n from schema_migrations`;
  assert.equal(row.n, files.length);
});
