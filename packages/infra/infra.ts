/**
 * Local infrastructure started by the project itself: a nats-server with JetStream and a
 * PostgreSQL cluster, on given or free ports, with data in a given directory. Used by
 * `deno task dev` (data under .data/) and by the test harness (throw-away directories).
 */

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store directory after `stop()`. */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface PostgresServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
  /** URL of one database on this server. */
  urlFor(database: string): string;
}

const PG_USER = "postgres";

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

async function which(name: string): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat([
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/bin",
  ]);
  for (const dir of dirs) {
    if (dir && await exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

function isRoot(): boolean {
  return Deno.uid() === 0;
}

async function isDebian(): Promise<boolean> {
  return await exists("/etc/debian_version") && await which("apt-get") !== undefined;
}

/**
 * Installs Debian packages when possible (Debian, as root); otherwise stops with the exact
 * command to run, and `alternative` when there is one.
 */
export async function aptInstall(
  packages: string[],
  what: string,
  alternative?: string,
): Promise<void> {
  const command = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  if (!(await isDebian()) || !isRoot()) {
    const run = isRoot() || !(await isDebian()) ? command : `sudo sh -c '${command}'`;
    throw new Error(
      `${what} is not installed. Install it with: ${run}${alternative ? ` (${alternative})` : ""}`,
    );
  }
  console.error(`[infra] ${what} is missing; installing: ${command}`);
  for (const args of [["update"], ["install", "-y", ...packages]]) {
    const out = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `apt-get ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
      );
    }
  }
}

/**
 * The path of a command the project needs, installed from Debian's `aptPackage` when it is
 * missing (or an error with the exact command to install it).
 */
export async function requireCommand(
  name: string,
  aptPackage: string,
  alternative?: string,
): Promise<string> {
  const found = await which(name);
  if (found) return found;
  await aptInstall([aptPackage], name, alternative);
  const installed = await which(name);
  if (!installed) throw new Error(`${name} still not found after installing ${aptPackage}`);
  return installed;
}

/** Debian's Chromium for the browser tests (never a browser download). */
export function chromiumBinary(): Promise<string> {
  return requireCommand("chromium", "chromium");
}

export function natsServerBinary(): Promise<string> {
  return requireCommand("nats-server", "nats-server", "or set NATS_URL to a running server");
}

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

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: Deno.ChildProcess,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child?.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  let tail = "";
  if (logFile) tail = (await Deno.readTextFile(logFile).catch(() => "")).slice(-1500);
  throw new Error(
    `${what} did not become ready within ${timeoutMs} ms${exited ? " (it exited)" : ""}\n${tail}`,
  );
}

async function tcpOpen(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

async function stopChild(child: Deno.ChildProcess, signal: Deno.Signal, graceMs: number) {
  try {
    child.kill(signal);
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited meanwhile */ }
  }, graceMs);
  await child.status;
  clearTimeout(timer);
}

export interface NatsOptions {
  dir: string;
  port?: number;
  /** Passed through to nats-server's JetStream limits. */
  maxFileStore?: string;
}

/** Starts nats-server with JetStream; the store lives in `dir/jetstream`. */
export async function startNats(options: NatsOptions): Promise<NatsServer> {
  const binary = await natsServerBinary();
  await Deno.mkdir(options.dir, { recursive: true });
  const port = options.port ?? await freePort();
  const monitorPort = await freePort();
  const storeDir = `${options.dir}/jetstream`;
  const configFile = `${options.dir}/nats.conf`;
  const logFile = `${options.dir}/nats.log`;
  await Deno.writeTextFile(
    configFile,
    [
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      // Orders arrive from systems we do not control; accept large (even absurd) payloads so
      // they can be judged and dead-lettered instead of being refused at the socket.
      `max_payload: 8MB`,
      `jetstream {`,
      `  store_dir: "${storeDir}"`,
      `  max_memory_store: 256MB`,
      `  max_file_store: ${options.maxFileStore ?? "20GB"}`,
      `}`,
    ].join("\n") + "\n",
  );
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    const log = await Deno.open(logFile, { create: true, append: true });
    child = new Deno.Command(binary, {
      args: ["-c", configFile, "-l", logFile],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    log.close();
    await waitFor(
      "nats-server",
      async () => {
        const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
        await res.body?.cancel();
        return res.ok;
      },
      15_000,
      child,
      logFile,
    );
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    get running() {
      return child !== undefined;
    },
    start,
    async stop() {
      const c = child;
      child = undefined;
      if (c) await stopChild(c, "SIGTERM", 10_000);
    },
  };
}

export interface PostgresOptions {
  dir: string;
  port?: number;
  /** Trades durability for speed: for throw-away test clusters only. */
  fast?: boolean;
}

/**
 * Starts a PostgreSQL cluster in `dir` (initdb on first use). PostgreSQL refuses to run as
 * root, so as root the cluster belongs to, and runs as, the `postgres` system user.
 */
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
    const out = await new Deno.Command(`${bin}/initdb`, {
      args: ["-D", dataDir, "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-locale"],
      ...ids,
      stdout: "piped",
      stderr: "piped",
    }).output();
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
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    const log = await Deno.open(logFile, { create: true, append: true, write: true });
    child = new Deno.Command(`${bin}/postgres`, {
      args: ["-D", dataDir, "-p", String(port), ...settings],
      ...ids,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    child.stderr.pipeTo(log.writable).catch(() => {});
    await waitFor(
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
  };
  await start();
  const urlFor = (database: string) => `postgres://${PG_USER}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor("postgres"),
    port,
    dataDir,
    urlFor,
    get running() {
      return child !== undefined;
    },
    start,
    async stop() {
      const c = child;
      child = undefined;
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit.
      if (c) await stopChild(c, "SIGINT", 15_000);
    },
  };
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
