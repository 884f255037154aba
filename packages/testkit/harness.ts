/**
 * The one test harness: real nats-server and PostgreSQL, cleaned up with `await using`, with
 * the permissions on: every service a test starts runs as itself (its NATS identity, its
 * database's runtime role), while the test drives and inspects as the admin.
 *
 * Every `testEnv()` gets its own nats-server (fresh JetStream, so names need no prefixes and
 * a test may stop and restart it) and its own database in a shared PostgreSQL cluster, or a
 * cluster of its own when the test needs to stop Postgres. `deno task test` starts the shared
 * cluster and passes it in FLOTILLA_TEST_PG; run directly, a file starts one itself.
 */
import type { NatsConnection } from "@nats-io/transport";
import {
  BACKBONE_SCOPE,
  type Catalog,
  connectPostgres,
  dropDatabase,
  migrate,
  silentLogger,
  type Sql,
} from "@flotilla/backbone";
import { fleetAccess, fleetCatalog } from "@flotilla/contracts";
import { LocalFleet, type NatsServer, type PostgresServer, startPostgres } from "@flotilla/infra";
import { probeAccess, testAccess, testCatalog } from "./test_catalog.ts";

export interface TestEnv extends AsyncDisposable {
  readonly dir: string;
  readonly nats: NatsServer;
  readonly natsUrl: string;
  readonly pg: PostgresServer | undefined;
  /** The server's `postgres` database as the superuser, password included: for the test only. */
  readonly pgServerUrl: string;
  readonly database: string;
  /** The test's database as the superuser, password included: for the test only. */
  readonly databaseUrl: string;
  /** This env's identities and their generated credentials. */
  readonly fleet: LocalFleet;
  /** A NATS client as the admin, closed at the end of the test; it reconnects forever. */
  connect(): Promise<NatsConnection>;
  /** A NATS client as `service` (its permissions, its inbox prefix), closed at the end. */
  connectAs(service: string): Promise<NatsConnection>;
  /** A Postgres pool on the test's database as the superuser, ended at the end of the test. */
  sql(max?: number): Sql;
  /** Provisions the catalog on this env's NATS. */
  provision(catalog: Catalog): Promise<void>;
  /** Applies the backbone and the given service's migrations to the test database. */
  migrate(scope?: string): Promise<void>;
  /** Another fresh database on the same server. */
  createDatabase(): Promise<string>;
  /**
   * The provision step for `service` on a database of this env (the test's by default): its
   * roles, its migrations as the owner, its grants. Returns the variables that run it as
   * itself: NATS_URL, NATS_NKEY_FILE, DATABASE_URL (its runtime role), DATABASE_PASSWORD_FILE,
   * and a `<NAME>_FILE` per secret it declares.
   */
  serviceEnv(service: string, options?: { database?: string }): Promise<Record<string, string>>;
  /** The variables that make an operator tool (tools/admin.ts) connect as the admin. */
  adminEnv(): Promise<Record<string, string>>;
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
    return { url: pg.adminUrlFor("postgres"), stop: () => pg.stop() };
  })();
  return sharedPg;
}

export interface TestEnvOptions {
  /** A PostgreSQL cluster of its own, for tests that stop and restart Postgres. */
  ownPostgres?: boolean;
  /**
   * The test provokes NATS refusals on purpose. Otherwise a permission or authorization
   * violation in nats-server's log fails the test at dispose: every service of the fleet runs
   * within its permissions, and a test that strays from them says so here.
   */
  refusals?: boolean;
}

/** How nats-server logs a refused publish or subscription, and a refused connection. */
const REFUSAL = / - (Publish Violation|Subscription Violation|authentication error) - /;

/** nats-server's refusals, as it logged them. */
async function refusalsIn(logFile: string): Promise<string[]> {
  const log = await Deno.readTextFile(logFile).catch(() => "");
  return log.split("\n").filter((line) => REFUSAL.test(line));
}

/** Every identity a test may run: the fleet's services and the backbone's test services. */
const identities = [
  { catalog: fleetCatalog, access: fleetAccess },
  { catalog: testCatalog, access: [testAccess, probeAccess] },
];

const withDatabase = (url: string, database: string) => url.replace(/\/[^/]*$/, `/${database}`);

export async function testEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const dir = await Deno.makeTempDir({ prefix: "flotilla-test-" });
  await Deno.chmod(dir, 0o755);
  const fleet = await LocalFleet.open(`${dir}/secrets`, identities);
  const nats = await fleet.startNats({ dir: `${dir}/nats` });
  let pg: PostgresServer | undefined;
  let serverUrl: string;
  if (options.ownPostgres) {
    pg = await startPostgres({ dir: `${dir}/pg`, fast: true });
    serverUrl = pg.adminUrlFor("postgres");
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
  const databaseUrl = withDatabase(serverUrl, database);
  const clients: NatsConnection[] = [];
  // Replicas started together provision once (concurrent role changes collide in Postgres).
  const provisioned = new Map<string, Promise<Record<string, string>>>();
  const pools: Sql[] = [];
  const deferred: (() => Promise<void> | void)[] = [];
  const client = async (identity?: string) => {
    const nc = await fleet.connect(nats.url, identity, {
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
      waitOnFirstConnect: true,
    });
    clients.push(nc);
    return nc;
  };

  const env: TestEnv = {
    dir,
    nats,
    natsUrl: nats.url,
    pg,
    pgServerUrl: serverUrl,
    database,
    databaseUrl,
    fleet,
    connect: () => client(),
    connectAs: (service) => client(service),
    sql(max = 10) {
      const sql = connectPostgres({ url: databaseUrl, name: "test", max });
      pools.push(sql);
      return sql;
    },
    async provision(catalog) {
      await fleet.provision(nats.url, catalog);
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
    async serviceEnv(service, { database: db = database } = {}) {
      const key = `${service}/${db}`;
      const where = {
        natsUrl: nats.url,
        postgres: {
          host: new URL(serverUrl).host,
          database: db,
          adminUrlFor: (name: string) => withDatabase(serverUrl, name),
        },
      };
      if (!provisioned.has(key)) provisioned.set(key, fleet.serviceEnv(service, where));
      return await provisioned.get(key)!;
    },
    async adminEnv() {
      return { NATS_URL: nats.url, NATS_NKEY_FILE: await fleet.seedFile() };
    },
    defer(fn) {
      deferred.push(fn);
    },
    async [Symbol.asyncDispose]() {
      for (const fn of deferred.reverse()) await Promise.resolve(fn()).catch(() => {});
      await Promise.all(clients.map((nc) => nc.close().catch(() => {})));
      await Promise.all(pools.map((sql) => sql.end({ timeout: 1 }).catch(() => {})));
      await nats.stop();
      const refused = options.refusals ? [] : await refusalsIn(nats.logFile);
      if (pg) {
        await pg.stop();
      } else {
        for (const name of databases) {
          await dropDatabase(admin, name, name).catch(() => {});
        }
      }
      await admin.end({ timeout: 1 }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      if (refused.length > 0) {
        throw new Error(
          `nats-server refused ${refused.length} operation(s) (testEnv({ refusals: true }) ` +
            `if the test means to):\n${refused.slice(0, 10).join("\n")}`,
        );
      }
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
