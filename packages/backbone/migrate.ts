/**
 * Migration runner for `migrations/<scope>/NNNN_<what>.sql`. Every service database gets the
 * backbone scope (outbox, inbox) and then its own. An advisory lock serialises concurrent
 * runners; a checksum per file refuses a migration edited after it was applied.
 */
import type { Sql } from "./db.ts";
import type { Logger } from "./log.ts";

export const BACKBONE_SCOPE = "_backbone";
export const MIGRATIONS_ROOT = new URL("../../migrations/", import.meta.url);

export interface Migration {
  scope: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function readMigrations(
  scope: string,
  root: URL = MIGRATIONS_ROOT,
): Promise<Migration[]> {
  const dir = new URL(`${scope}/`, root);
  const migrations: Migration[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  for (const entry of entries) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile) continue;
    if (!match) {
      throw new MigrationError(
        `migrations/${scope}/${entry.name}: name must look like 0001_what.sql`,
      );
    }
    const sql = await Deno.readTextFile(new URL(entry.name, dir));
    migrations.push({
      scope,
      version: Number(match[1]),
      name: entry.name,
      sql,
      checksum: await sha256(sql),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationError(
        `migrations/${scope}: version ${migrations[i].version} appears twice`,
      );
    }
  }
  return migrations;
}

/**
 * Applies what is missing, in order, all in one transaction (savepoint per file), as `role`
 * when given (the database's owner, so what migrations create belongs to it). Returns what it
 * applied.
 */
export async function migrate(
  sql: Sql,
  scopes: string[],
  options: { root?: URL; logger?: Logger; role?: string } = {},
): Promise<string[]> {
  const all = (await Promise.all(scopes.map((s) => readMigrations(s, options.root)))).flat();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    if (options.role) await tx.unsafe(`set local role "${options.role.replaceAll('"', '""')}"`);
    // Transaction-level advisory lock: released at commit, even if this process dies.
    await tx`select pg_advisory_xact_lock(hashtext('flotilla.migrations'))`;
    await tx`
      create table if not exists schema_migrations (
        scope text not null,
        version int not null,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now(),
        primary key (scope, version)
      )`;
    const rows = await tx<{ scope: string; version: number; name: string; checksum: string }[]>`
      select scope, version, name, checksum from schema_migrations`;
    const done = new Map(rows.map((r) => [`${r.scope}/${r.version}`, r]));
    for (const m of all) {
      const previous = done.get(`${m.scope}/${m.version}`);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new MigrationError(
            `migrations/${m.scope}/${m.name} was edited after it was applied ` +
              `(checksum ${m.checksum.slice(0, 12)} != applied ${
                previous.checksum.slice(0, 12)
              }); add a new migration instead`,
          );
        }
        continue;
      }
      await tx.savepoint(async (sp) => {
        await sp.unsafe(m.sql);
        await sp`insert into schema_migrations (scope, version, name, checksum)
                 values (${m.scope}, ${m.version}, ${m.name}, ${m.checksum})`;
      }).catch((err) => {
        throw new MigrationError(`migrations/${m.scope}/${m.name} failed: ${err.message}`, {
          cause: err,
        });
      });
      applied.push(`${m.scope}/${m.name}`);
    }
  });
  if (applied.length > 0) options.logger?.info("applied migrations", { applied });
  return applied;
}

/** The migrations of `scopes` not applied yet (a service waits for them; it cannot apply them). */
export async function pendingMigrations(
  sql: Sql,
  scopes: string[],
  root: URL = MIGRATIONS_ROOT,
): Promise<string[]> {
  const all = (await Promise.all(scopes.map((s) => readMigrations(s, root)))).flat();
  const [{ exists }] = await sql<{ exists: boolean }[]>`
    select to_regclass('schema_migrations') is not null as exists`;
  const done = new Set(
    exists
      ? (await sql<{ scope: string; version: number }[]>`
        select scope, version from schema_migrations`).map((r) => `${r.scope}/${r.version}`)
      : [],
  );
  return all.filter((m) => !done.has(`${m.scope}/${m.version}`)).map((m) => `${m.scope}/${m.name}`);
}
