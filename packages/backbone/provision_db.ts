/**
 * Makes a service's database match its access declaration, as the superuser (the provision
 * step; a service never holds these rights):
 * - an owner role (no login) that owns the database and everything its migrations create;
 * - a runtime role (login, password) the service connects as: it reads and writes the tables
 *   (or exactly what its declaration lists for a table), uses the sequences, and can change no
 *   schema, owns nothing and can connect to no other service's database;
 * - the migrations, applied as the owner.
 * Idempotent: a second run changes nothing; a database from before the roles is taken over.
 */
import { READ_WRITE, type TablePrivilege } from "./access.ts";
import type { Sql } from "./db.ts";
import type { Logger } from "./log.ts";
import { migrate } from "./migrate.ts";

export interface DatabasePlan {
  database: string;
  /** The runtime role; the owner is `<role>_owner`. */
  role: string;
  password: string;
  /** Migration scopes, in order (the backbone's first). */
  scopes: string[];
  /** Tables whose runtime privileges are not read-write. */
  tables?: Record<string, readonly TablePrivilege[]>;
}

/** The migration log is read by the service (to wait for its schema), written only by the owner. */
const BUILT_IN: Record<string, readonly TablePrivilege[]> = { schema_migrations: ["select"] };

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe SQL identifier "${name}"`);
  return `"${name}"`;
};
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export const ownerRole = (role: string) => `${role}_owner`;

/**
 * `connect(database)` gives a superuser connection to a database (one at a time, ended here).
 * Returns the migrations it applied.
 */
export async function provisionDatabase(
  connect: (database: string) => Sql,
  plan: DatabasePlan,
  logger?: Logger,
): Promise<string[]> {
  const db = ident(plan.database);
  const role = ident(plan.role);
  const owner = ident(ownerRole(plan.role));
  const server = connect("postgres");
  try {
    await server.unsafe(`
      do $$ begin
        create role ${owner} nologin;
      exception when duplicate_object then null; end $$`);
    await server.unsafe(`
      do $$ begin
        create role ${role} login;
      exception when duplicate_object then null; end $$`);
    // The password follows the secret: a regenerated secret takes effect at the next provision.
    await server.unsafe(
      `alter role ${role} login nosuperuser nocreatedb nocreaterole password ${
        literal(plan.password)
      }`,
    );
    const [found] = await server`select 1 from pg_database where datname = ${plan.database}`;
    if (!found) await server.unsafe(`create database ${db} owner ${owner}`);
    else await server.unsafe(`alter database ${db} owner to ${owner}`);
    await server.unsafe(`revoke all on database ${db} from public`);
    await server.unsafe(`grant connect on database ${db} to ${role}`);
  } finally {
    await server.end({ timeout: 5 });
  }

  const sql = connect(plan.database);
  try {
    await takeOver(sql, ownerRole(plan.role));
    const applied = await migrate(sql, plan.scopes, { logger, role: ownerRole(plan.role) });
    await sql.begin(async (tx) => {
      await tx.unsafe(`revoke create on schema public from public`);
      await tx.unsafe(`
        alter default privileges for role ${owner} in schema public
        grant select, insert, update, delete on tables to ${role}`);
      await tx.unsafe(`
        alter default privileges for role ${owner} in schema public
        grant usage, select on sequences to ${role}`);
      await tx.unsafe(`grant ${READ_WRITE.join(", ")} on all tables in schema public to ${role}`);
      await tx.unsafe(`grant usage, select on all sequences in schema public to ${role}`);
      for (const [table, privileges] of Object.entries({ ...BUILT_IN, ...plan.tables })) {
        await tx.unsafe(`revoke all on table ${ident(table)} from ${role}`);
        if (privileges.length > 0) {
          await tx.unsafe(`grant ${privileges.join(", ")} on table ${ident(table)} to ${role}`);
        }
      }
    });
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Objects migrated before the roles existed belong to the superuser: hand them to the owner. */
async function takeOver(sql: Sql, owner: string): Promise<void> {
  const objects = await sql<{ kind: string; name: string }[]>`
    select case c.relkind when 'S' then 'sequence' when 'v' then 'view'
      when 'm' then 'materialized view' else 'table' end as kind,
      quote_ident(c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
      and pg_get_userbyid(c.relowner) <> ${owner}
      -- a sequence that belongs to a column moves with its table
      and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
    union all
    select 'function', p.oid::regprocedure::text
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and pg_get_userbyid(p.proowner) <> ${owner}`;
  for (const o of objects) {
    await sql.unsafe(`alter ${o.kind} ${o.name} owner to ${ident(owner)}`);
  }
}

/** Drops a service database and its two roles (test databases). */
export async function dropDatabase(server: Sql, database: string, role: string): Promise<void> {
  await server.unsafe(`drop database if exists ${ident(database)} with (force)`);
  await server.unsafe(`drop role if exists ${ident(role)}`);
  await server.unsafe(`drop role if exists ${ident(ownerRole(role))}`);
}
