/**
 * The one test harness: real nats-server and PostgreSQL, cleaned up with `await using`.
 *
 * Every `testEnv()` gets its own nats-server (fresh JetStream, so names need no prefixes and
 * a test may stop and restart it) and its own database in a shared PostgreSQL cluster, or a
 * cluster of its own when the test needs to stop Postgres. `deno task test` starts the shared
 * cluster and passes it in FLOTILLA_TEST_PG; run directly, a file starts one itself.
 */
import { connect, type NatsConnection } from "@nats-io/transport";
import {
  BACKBONE_SCOPE,
  type Catalog,
  connectPostgres,
  migrate,
  provision,
  silentLogger,
  type Sql,
} from "@flotilla/backbone";
import { type NatsServer, type PostgresServer, startNats, startPostgres } from "@flotilla/infra";
import { testIdentity } from "./identity.ts";

export interface TestEnv extends AsyncDisposable {
  readonly dir: string;
  readonly nats: NatsServer;
  readonly natsUrl: string;
  readonly pg: PostgresServer | undefined;
  readonly pgServerUrl: string;
  readonly database: string;
  readonly databaseUrl: string;
  /** A NATS client closed at the end of the test; it reconnects forever like the services. */
  connect(): Promise<NatsConnection>;
  /** A Postgres pool on the test's database, ended at the end of the test. */
  sql(max?: number): Sql;
  /** Provisions the catalog on this env's NATS. */
  provision(catalog: Catalog): Promise<void>;
  /** Applies the backbone and the given service's migrations to the test database. */
  migrate(scope?: string): Promise<void>;
  /** Another fresh database on the same server. */
  createDatabase(): Promise<string>;
  /** Runs at dispose, before the servers stop (kill child processes, say). */
  defer(fn: () => Promise<void> | void): void;
}

let sharedPg: Promise<{ url: string; stop?: () => Promise<void> }> | undefined;

function sharedPostgres(): Promise<{ url: string; stop?: () => Promise<void> }> {
  sharedPg ??= (async () => {
    const url = Deno.env.get("FLOTILLA_TEST_PG");
    if (url) return { url };
    const dir = await Deno.makeTempDir({ prefix: "flotilla-pg-" });
    await Deno.chmod(dir, 0o755);
    const pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
    globalThis.addEventListener("unload", () => {
      // Best effort: the cluster lives in a temp dir and dies with the test process group.
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* still in use */ }
    });
    return { url: pg.url, stop: () => pg.stop() };
  })();
  return sharedPg;
}

export interface TestEnvOptions {
  /** A PostgreSQL cluster of its own, for tests that stop and restart Postgres. */
  ownPostgres?: boolean;
}

export async function testEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const dir = await Deno.makeTempDir({ prefix: "flotilla-test-" });
  await Deno.chmod(dir, 0o755);
  const nats = await startNats({ dir: `${dir}/nats` });
  let pg: PostgresServer | undefined;
  let serverUrl: string;
  if (options.ownPostgres) {
    pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
    serverUrl = pg.url;
  } else {
    serverUrl = (await sharedPostgres()).url;
  }
  const admin = connectPostgres({ url: serverUrl, name: "test-admin", max: 1 });
  const databases: string[] = [];
  const createDatabase = async () => {
    const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await admin.unsafe(`create database ${name}`);
    databases.push(name);
    return name;
  };
  const database = await createDatabase();
  const databaseUrl = serverUrl.replace(/\/[^/]*$/, `/${database}`);
  const clients: NatsConnection[] = [];
  const pools: Sql[] = [];
  const deferred: (() => Promise<void> | void)[] = [];

  const env: TestEnv = {
    dir,
    nats,
    natsUrl: nats.url,
    pg,
    pgServerUrl: serverUrl,
    database,
    databaseUrl,
    async connect() {
      const nc = await connect({
        servers: nats.url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 200,
        waitOnFirstConnect: true,
      });
      clients.push(nc);
      return nc;
    },
    sql(max = 10) {
      const sql = connectPostgres({ url: databaseUrl, name: "test", max });
      pools.push(sql);
      return sql;
    },
    async provision(catalog) {
      const nc = await env.connect();
      await provision(nc, catalog);
    },
    async migrate(scope) {
      const sql = connectPostgres({ url: databaseUrl, name: "test-migrate", max: 1 });
      try {
        await migrate(sql, scope ? [BACKBONE_SCOPE, scope] : [BACKBONE_SCOPE], {
          logger: silentLogger,
        });
      } finally {
        await sql.end();
      }
    },
    createDatabase,
    defer(fn) {
      deferred.push(fn);
    },
    async [Symbol.asyncDispose]() {
      for (const fn of deferred.reverse()) await Promise.resolve(fn()).catch(() => {});
      await Promise.all(clients.map((nc) => nc.close().catch(() => {})));
      await Promise.all(pools.map((sql) => sql.end({ timeout: 1 }).catch(() => {})));
      await nats.stop();
      if (pg) {
        await pg.stop();
      } else {
        for (const name of databases) {
          await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
        }
      }
      await admin.end({ timeout: 1 }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return env;
}

/** Integration tests hold servers across awaits; Deno's op/resource sanitizers do not apply. */
export function integration(name: string, fn: () => Promise<void>, timeoutMs = 120_000): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`test timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([fn(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

export interface ServiceProcess {
  readonly url: string;
  readonly port: number;
  /** Sends a signal (SIGKILL to crash it, SIGTERM for a graceful stop) and waits for exit. */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** Starts it again with the same port and environment. */
  restart(): Promise<void>;
  /** Everything the process printed so far (JSON log lines). */
  output(): string;
}

/**
 * Runs a service's main.ts as a child process (so tests can SIGKILL it) and waits until
 * /healthz answers. It is killed when the env is disposed.
 */
export async function spawnService(
  env: TestEnv,
  options: { main: string; env?: Record<string, string>; port?: number; readyPath?: string },
): Promise<ServiceProcess> {
  const { freePort } = await import("@flotilla/infra");
  const port = options.port ?? freePort();
  const url = `http://127.0.0.1:${port}`;
  const main = new URL(`../../${options.main}`, import.meta.url).pathname;
  let child: Deno.ChildProcess | undefined;
  let log = "";
  const start = async () => {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main],
      env: {
        PORT: String(port),
        NATS_URL: env.natsUrl,
        DATABASE_URL: env.databaseUrl,
        LOG_LEVEL: "info",
        ...testIdentity.env,
        ...options.env,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) log = (log + decoder.decode(chunk)).slice(-200_000);
    };
    drain(child.stdout).catch(() => {});
    drain(child.stderr).catch(() => {});
    const current = child;
    let exited = false;
    current.status.then(() => exited = true);
    await eventually(
      `${options.main} to answer on ${url}`,
      async () => {
        if (exited) throw new Error(`it exited:\n${log.slice(-3_000)}`);
        const res = await fetch(`${url}${options.readyPath ?? "/healthz"}`);
        await res.body?.cancel();
        return res.ok;
      },
      60_000,
      100,
    );
  };
  const kill = async (signal: Deno.Signal = "SIGTERM") => {
    const c = child;
    child = undefined;
    if (!c) return { success: true, code: 0, signal: null } as Deno.CommandStatus;
    try {
      c.kill(signal);
    } catch { /* already gone */ }
    return await c.status;
  };
  env.defer(async () => {
    await kill("SIGKILL");
  });
  await start();
  return { url, port, kill, restart: start, output: () => log };
}
