/**
 * A local PostgreSQL cluster in a given directory (initdb on first use), on a given or free port.
 * PostgreSQL refuses to run as root, so as root the cluster belongs to, and runs as, the
 * `postgres` system user. Every connection authenticates with a password (SCRAM); the
 * superuser's is generated at initdb and kept in the data directory (mode 0600).
 */
import { aptInstall, exists, isRoot, which } from "./install.ts";
import { command, freePort, type Restartable, restartable, tcpOpen, waitFor } from "./processes.ts";
import { generate } from "./secrets.ts";

export interface PostgresServer extends Restartable {
  /** The `postgres` database, as the superuser, without the password. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The superuser's password. */
  readonly password: string;
  /** URL of one database on this server, as the superuser, without the password. */
  urlFor(database: string): string;
  /** The same with the superuser's password in it: for admin tools and tests, never to print. */
  adminUrlFor(database: string): string;
}

const PG_USER = "postgres";
const PASSWORD_FILE = "flotilla-superuser.password";
const HBA = [
  "# Written by Flotilla at every start: password (SCRAM) authentication only.",
  "local all all scram-sha-256",
  "host all all 127.0.0.1/32 scram-sha-256",
  "host all all ::1/128 scram-sha-256",
].join("\n") + "\n";

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
  const passwordFile = `${dataDir}/${PASSWORD_FILE}`;
  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    const password = await generate("password");
    // initdb reads the password from a file; it is gone once the cluster exists.
    const pwfile = `${dataDir}.pwfile`;
    await Deno.writeTextFile(pwfile, password, { mode: 0o600 });
    if (ids) await Deno.chown(pwfile, ids.uid, ids.gid);
    try {
      const initdb = await command(`${bin}/initdb`, {
        args: [
          "-D",
          dataDir,
          "-U",
          PG_USER,
          "--auth=scram-sha-256",
          `--pwfile=${pwfile}`,
          "-E",
          "UTF8",
          "--no-locale",
        ],
        ...ids,
        stdout: "piped",
        stderr: "piped",
      }, options.ownProcessGroup);
      const out = await initdb.output();
      if (!out.success) {
        throw new Error(`initdb failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    } finally {
      await Deno.remove(pwfile).catch(() => {});
    }
    await Deno.writeTextFile(passwordFile, password, { mode: 0o600 });
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
  const stopping = { signal: "SIGINT" as const, graceMs: 15_000 };
  if (!(await exists(passwordFile))) {
    await setSuperuserPassword({ bin, dataDir, port, passwordFile, spawn, ready, stopping });
  }
  await Deno.writeTextFile(`${dataDir}/pg_hba.conf`, HBA);
  const password = (await Deno.readTextFile(passwordFile)).trim();
  const urlFor = (database: string) => `postgres://${PG_USER}@127.0.0.1:${port}/${database}`;
  const adminUrlFor = (database: string) =>
    `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit.
  return await restartable(
    { url: urlFor("postgres"), port, dataDir, password, urlFor, adminUrlFor },
    spawn,
    ready,
    stopping,
  );
}

/**
 * A cluster made before passwords (its pg_hba trusted everyone) gets a superuser password:
 * started once with only its own socket trusted (the socket lives in the 0700 data directory),
 * the password set through it, then stopped.
 */
async function setSuperuserPassword(cluster: {
  bin: string;
  dataDir: string;
  port: number;
  passwordFile: string;
  spawn: () => Promise<Deno.ChildProcess>;
  ready: (child: Deno.ChildProcess) => Promise<void>;
  stopping: { signal: Deno.Signal; graceMs: number };
}): Promise<void> {
  const { bin, dataDir, port, passwordFile } = cluster;
  await Deno.writeTextFile(`${dataDir}/pg_hba.conf`, "local all all trust\n");
  const password = await generate("password");
  const server = await restartable({}, cluster.spawn, cluster.ready, cluster.stopping);
  try {
    const psql = new Deno.Command(`${bin}/psql`, {
      args: ["-h", dataDir, "-p", String(port), "-U", PG_USER, "-d", "postgres", "-q"],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const writer = psql.stdin.getWriter();
    await writer.write(
      new TextEncoder().encode(`alter role ${PG_USER} password '${password}';\n`),
    );
    await writer.close();
    const out = await psql.output();
    if (!out.success) {
      throw new Error(
        `setting the superuser password failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  } finally {
    await server.stop();
  }
  await Deno.writeTextFile(passwordFile, password, { mode: 0o600 });
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

/** Creates the database when it does not exist yet (`serverUrl` with the superuser's password). */
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
