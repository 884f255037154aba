/** The Postgres client (postgres.js): a pool that reconnects on its own after an outage. */
import postgres from "postgres";

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or a transaction: what a repository function takes. */
export type Queryable = Sql | TransactionSql;

export interface PostgresOptions {
  url: string;
  /** application_name, visible in pg_stat_activity. */
  name: string;
  max?: number;
}

export function connectPostgres(options: PostgresOptions): Sql {
  return postgres(options.url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: options.name },
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
