/** The Postgres client (postgres.js): a pool that reconnects on its own after an outage. */
import postgres from "postgres";
import type { Logger } from "./log.ts";

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or a transaction: what a repository function takes. */
export type Queryable = Sql | TransactionSql;

export interface PostgresOptions {
  /** Where and as whom; a password here works, but `password` keeps it out of the URL. */
  url: string;
  password?: string;
  /** application_name, visible in pg_stat_activity. */
  name: string;
  max?: number;
  /** Acts as this role (SET ROLE at connect): an admin tool working as a database's owner. */
  role?: string;
}

export function connectPostgres(options: PostgresOptions): Sql {
  return postgres(options.url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
    connection: {
      application_name: options.name,
      ...(options.role ? { role: options.role } : {}),
    },
    ...(options.password ? { password: options.password } : {}),
  });
}

/** True when Postgres answers within `timeoutMs`. */
export async function postgresReady(sql: Sql, timeoutMs = 1_000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      sql`select 1`.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * postgres.js 3.4.9 under Deno can throw from a deferred write after its socket closed (its
 * `nextWrite` runs from setImmediate once the socket was set to null) as an uncaught
 * TypeError, which would end the process when Postgres goes away. The query in flight has
 * already failed with CONNECTION_CLOSED and the pool reconnects by itself, so this one error
 * is logged and absorbed; every other uncaught error still ends the process.
 */
export function isPostgresSocketRace(error: unknown): boolean {
  return error instanceof TypeError &&
    error.message.includes("reading 'write'") &&
    (error.stack ?? "").includes("postgres");
}

let socketRaceGuarded = false;
export function survivePostgresSocketRace(logger: Logger): void {
  if (socketRaceGuarded) return; // one listener per process
  socketRaceGuarded = true;
  globalThis.addEventListener("error", (event) => {
    if (!isPostgresSocketRace(event.error)) return;
    event.preventDefault();
    logger.warn("postgres client wrote to a closed socket; ignored (the pool reconnects)");
  });
}
