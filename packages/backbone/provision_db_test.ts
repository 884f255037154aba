import assert from "node:assert/strict";
import postgres from "postgres";
import { integration, testEnv } from "@flotilla/testkit";
import { connectPostgres } from "./db.ts";

integration(
  "a service's runtime role reaches its own database only, owns nothing, and a database migrated before the roles is taken over",
  async () => {
    await using env = await testEnv();
    await env.migrate("users"); // as the superuser: a database from before the roles
    const users = await env.serviceEnv("users");
    const sql = env.sql();
    const owners = await sql<{ name: string; owner: string }[]>`
      select relname as name, pg_get_userbyid(relowner) as owner from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where nspname = 'public' and relkind in ('r', 'S')`;
    assert.ok(owners.length > 3);
    for (const o of owners) assert.equal(o.owner, `${env.database}_owner`, o.name);

    const connectAs = async (vars: Record<string, string>, database?: string) =>
      connectPostgres({
        url: database ? vars.DATABASE_URL.replace(/\/[^/]*$/, `/${database}`) : vars.DATABASE_URL,
        password: (await Deno.readTextFile(vars.DATABASE_PASSWORD_FILE)).trim(),
        name: "test",
        max: 1,
      });
    const runtime = await connectAs(users);
    env.defer(() => runtime.end({ timeout: 1 }));
    const [{ inserted }] = await runtime`
      insert into users (name) values ('Ada') returning id as inserted`;
    assert.ok(Number(inserted) > 0, "it reads and writes its tables");
    const refused = async (work: Promise<unknown>) => {
      const err = await work.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof postgres.PostgresError, "allowed");
      return err.code;
    };
    assert.equal(await refused(runtime`create table sneaky (x int)`), "42501");
    assert.equal(await refused(runtime`alter table users add column x int`), "42501");
    assert.equal(
      await refused(runtime`insert into schema_migrations values ('x', 1, 'x', 'x')`),
      "42501",
    );

    // Another service's database: its role may not even connect.
    const other = await env.createDatabase();
    await env.serviceEnv("accounts", { database: other });
    const elsewhere = await connectAs(users, other);
    env.defer(() => elsewhere.end({ timeout: 1 }));
    assert.equal(await refused(elsewhere`select 1`), "42501");
  },
);
