/**
 * How the operator tools (provision, dlq, inspect, rebuild-view, ledger-check, migrate,
 * publish-orders, keys) connect: NATS as the admin identity and Postgres as the superuser. Each
 * reads NATS_URL, NATS_NKEY (or NATS_NKEY_FILE), DATABASE_URL and DATABASE_PASSWORD (or
 * DATABASE_PASSWORD_FILE); when they are not set, the credentials `deno task dev` generated
 * under .data/ (FLOTILLA_DATA_DIR) are used, so the tools work beside a dev fleet as they are.
 */
import type { NatsConnection } from "@nats-io/transport";
import { connect } from "@nats-io/transport";
import { connectPostgres, env, loadConfig, natsAuthOptions, type Sql } from "@flotilla/backbone";

const root = new URL("..", import.meta.url).pathname;

/** Where `deno task dev` keeps its data, credentials and the superuser's password. */
export function devPaths(dataDir = Deno.env.get("FLOTILLA_DATA_DIR") ?? `${root}.data`) {
  return {
    dataDir,
    secrets: `${dataDir}/secrets`,
    pg: `${dataDir}/pg`,
    superuserPassword: `${dataDir}/pg/flotilla-superuser.password`,
    adminNkey: `${dataDir}/secrets/nats-admin.nkey`,
  };
}

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The admin configuration, the dev credentials filling in what the environment leaves out. */
export function adminConfig() {
  const dev = devPaths();
  const vars = Deno.env.toObject();
  const fallback: Record<string, string> = {};
  if (!vars.NATS_NKEY && !vars.NATS_NKEY_FILE && exists(dev.adminNkey)) {
    fallback.NATS_NKEY_FILE = dev.adminNkey;
  }
  const urlHasPassword = vars.DATABASE_URL ? new URL(vars.DATABASE_URL).password !== "" : false;
  const noPassword = !vars.DATABASE_PASSWORD && !vars.DATABASE_PASSWORD_FILE && !urlHasPassword;
  if (noPassword && exists(dev.superuserPassword)) {
    fallback.DATABASE_PASSWORD_FILE = dev.superuserPassword;
  }
  return loadConfig({
    NATS_URL: env.natsUrl(),
    NATS_NKEY: env.optionalSecret(),
    NATS_TLS_CA_FILE: env.file(),
    // The superuser on the server's own database.
    DATABASE_URL: env.databaseUrl("postgres"),
    DATABASE_PASSWORD: env.optionalSecret(),
  }, { ...fallback, ...vars });
}

/** NATS as the admin (on `url` instead of NATS_URL when given). */
export async function connectAdminNats(name: string, url?: string): Promise<NatsConnection> {
  const config = adminConfig();
  return await connect({
    servers: (url ?? config.NATS_URL).split(","),
    name,
    timeout: 3_000,
    ...natsAuthOptions({ nkey: config.NATS_NKEY, tls: { caFile: config.NATS_TLS_CA_FILE } }),
  });
}

/** A database as the superuser, or acting as `role` (a database's owner, for schema work). */
export function adminPostgres(
  name: string,
  options: { database?: string; url?: string; role?: string; max?: number } = {},
): Sql {
  const config = adminConfig();
  const base = options.url ?? config.DATABASE_URL;
  const url = options.database ? base.replace(/\/[^/?]*(\?.*)?$/, `/${options.database}$1`) : base;
  return connectPostgres({
    url,
    password: config.DATABASE_PASSWORD,
    name,
    max: options.max ?? 2,
    role: options.role,
  });
}
