/**
 * A local PostgreSQL cluster in a given directory (initdb on first use), on a given or free port.
 * PostgreSQL refuses to run as root, so as root the cluster belongs to, and runs as, the
 * `postgres` system user.
 */
import { aptInstall, exists, isRoot, which } from "./install.ts";
import { command, freePort, type Restartable, restartable, tcpOpen, waitFor } from "./processes.ts";

export interface PostgresServer extends Restartable {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** URL of one database on this server. */
  urlFor(database: string): string;
}

const PG_USER = "postgres";

export async function postgresBinDir(): Promise<string> {
  const find = async () => {
    const candidates: string[] = [];
    if (await exists("/usr/lib/postgresql")) {
      for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
        if (await exists(`/usr/lib/postgresql/${entry.name}/bin/postgres`)) {
          candidates.push(entry.name);
        }
      }
    }
    candidates.sort((a, b) => Number(b) - Number(a));
    if (candidates.length > 0) return `/usr/lib/postgresql/${candidates[0]}/bin`;
    const initdb = await which("initdb");
    return initdb ? initdb.slice(0, initdb.lastIndexOf("/")) : undefined;
  };
  const found = await find();
  if (found) return found;
  await aptInstall(["postgresql"], "PostgreSQL", "or set DATABASE_URL to a running server");
  const installed = await find();
  if (!installed) throw new Error("PostgreSQL still not found after installing it");
  return installed;
}

export interface PostgresOptions {
  dir: string;
  port?: number;
  /** Trades durability for speed: for throw-away test clusters only. */
  fast?: boolean;
  /** Out of the caller's process group: a terminal's Ctrl-C leaves it to the caller to stop. */
  ownProcessGroup?: boolean;
}

/** Starts a PostgreSQL cluster in `dir` (initdb on first use). */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const bin = await postgresBinDir();
  const dataDir = options.dir;
  const port = options.port ?? await freePort();
  const logFile = `${dataDir}.log`;
  let ids: { uid: number; gid: number } | undefined;
  if (isRoot()) ids = await systemUser(PG_USER);
  // The parent must be traversable by the postgres user; the cluster directory itself is 0700.
  await Deno.mkdir(dataDir.slice(0, dataDir.lastIndexOf("/")) || "/", { recursive: true });
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (ids) {
    await Deno.chown(dataDir, ids.uid, ids.gid);
    await Deno.writeTextFile(logFile, "", { append: true });
    await Deno.chown(logFile, ids.uid, ids.gid);
  }
  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    const initdb = await command(`${bin}/initdb`, {
      args: ["-D", dataDir, "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-locale"],
      ...ids,
      stdout: "piped",
      stderr: "piped",
    }, options.ownProcessGroup);
    const out = await initdb.output();
    if (!out.success) {
      throw new Error(`initdb failed: ${new TextDecoder().decode(out.stderr)}`);
    }
  }
  const settings = [
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dataDir}`,
    "-c",
    "max_connections=300",
    "-c",
    "shared_buffers=256MB",
    "-c",
    "log_min_messages=warning",
  ];
  if (options.fast) {
    settings.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  }
  const spawn = async () => {
    const log = await Deno.open(logFile, { create: true, append: true, write: true });
    const postgres = await command(`${bin}/postgres`, {
      args: ["-D", dataDir, "-p", String(port), ...settings],
      ...ids,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }, options.ownProcessGroup);
    const child = postgres.spawn();
    child.stderr.pipeTo(log.writable).catch(() => {});
    return child;
  };
  const ready = (child: Deno.ChildProcess) =>
    waitFor(
      "PostgreSQL",
      async () => {
        if (!(await tcpOpen(port))) return false;
        const out = await new Deno.Command(`${bin}/pg_isready`, {
          args: ["-h", "127.0.0.1", "-p", String(port), "-U", PG_USER],
          stdout: "null",
          stderr: "null",
        }).output();
        return out.success;
      },
      30_000,
      child,
      logFile,
    );
  const urlFor = (database: string) => `postgres://${PG_USER}@127.0.0.1:${port}/${database}`;
  // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit.
  return await restartable({ url: urlFor("postgres"), port, dataDir, urlFor }, spawn, ready, {
    signal: "SIGINT",
    graceMs: 15_000,
  });
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const out = await new Deno.Command("id", { args: [name], stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  const uid = /uid=(\d+)/.exec(text)?.[1];
  const gid = /gid=(\d+)/.exec(text)?.[1];
  if (!out.success || uid === undefined || gid === undefined) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no "${name}" user to run it as; ` +
        `create one (useradd --system ${name}) or run as a normal user`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** Creates the database when it does not exist yet. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${database}"`);
  } finally {
    await sql.end();
  }
}
