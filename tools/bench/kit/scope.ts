/**
 * A bench's throw-away world: a temp directory, its own nats-server and PostgreSQL with the
 * permissions on (as `deno task dev` and the tests run them: each service as its own NATS
 * identity and database role; the bench drives and reads as the admin), service processes, and
 * everything undone at the end, the last started first.
 */
import type { NatsConnection } from "@nats-io/transport";
import { type Catalog, connectPostgres, type ServiceAccess, type Sql } from "@flotilla/backbone";
import { fleetAccess, fleetCatalog } from "@flotilla/contracts";
import {
  ensureDatabase,
  freePort,
  type Identities,
  LocalFleet,
  type NatsServer,
  type PostgresServer,
  startPostgres,
} from "@flotilla/infra";
import { testIdentity } from "@flotilla/testkit";
import { waitForOk } from "./http.ts";

const root = new URL("../../../", import.meta.url).pathname;

export interface BenchService {
  url: string;
  child: Deno.ChildProcess;
}

export interface ServiceOptions {
  /** Environment besides PORT and LOG_LEVEL; the bench's own environment is inherited. */
  env?: Record<string, string>;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** The path that answers 2xx once the service serves. */
  readyPath?: string;
}

export class Bench {
  readonly dir: string;
  readonly #undo: (() => unknown)[] = [];

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async open(name: string): Promise<Bench> {
    const dir = await Deno.makeTempDir({ prefix: `flotilla-bench-${name}-` });
    // PostgreSQL runs as its own user when the bench runs as root: it must reach its cluster.
    await Deno.chmod(dir, 0o755);
    return new Bench(dir);
  }

  /** Opens a bench, runs `fn`, and undoes everything whatever the outcome. */
  static async run<T>(name: string, fn: (bench: Bench) => Promise<T>): Promise<T> {
    const bench = await Bench.open(name);
    try {
      return await fn(bench);
    } finally {
      await bench.close();
    }
  }

  /** Registers what to undo at the end; the last registered runs first. */
  defer(undo: () => unknown): void {
    this.#undo.push(undo);
  }

  #fleet: LocalFleet | undefined;

  /** The fleet's identities (and `more`) with the bench's generated credentials. */
  async fleet(more: Identities = []): Promise<LocalFleet> {
    this.#fleet ??= await LocalFleet.open(`${this.dir}/secrets`, [
      { catalog: fleetCatalog, access: fleetAccess },
      ...more,
    ]);
    return this.#fleet;
  }

  /** nats-server that knows the admin, the fleet's services and `more` identities. */
  async nats(more: Identities = []): Promise<NatsServer> {
    const nats = await (await this.fleet(more)).startNats({ dir: `${this.dir}/nats` });
    this.defer(() => nats.stop());
    return nats;
  }

  /** A NATS connection as the admin, or as `service` (its permissions, its inbox prefix). */
  async connect(nats: NatsServer, service?: string): Promise<NatsConnection> {
    const nc = await (await this.fleet()).connect(nats.url, service);
    this.defer(() => nc.close());
    return nc;
  }

  /** The provision step for a catalog, as the admin. */
  async provision(nats: NatsServer, catalog: Catalog): Promise<void> {
    await (await this.fleet()).provision(nats.url, catalog);
  }

  /** PostgreSQL with `databases` created (owned by the superuser); `fast` turns fsync off. */
  async postgres(options: { fast?: boolean; databases?: string[] } = {}): Promise<PostgresServer> {
    const pg = await startPostgres({ dir: `${this.dir}/pg`, fast: options.fast });
    this.defer(() => pg.stop());
    for (const db of options.databases ?? []) await ensureDatabase(pg.adminUrlFor("postgres"), db);
    return pg;
  }

  /** A pool on `database` as the superuser (the bench's own reads and set-up). */
  adminSql(pg: PostgresServer, database: string, max = 2): Sql {
    const sql = connectPostgres({ url: pg.adminUrlFor(database), name: "bench", max });
    this.defer(() => sql.end({ timeout: 5 }));
    return sql;
  }

  /** A pool as a service's runtime role (`vars` from `serviceEnv`): in-process service parts. */
  async serviceSql(vars: Record<string, string>, name: string, max: number): Promise<Sql> {
    const password = (await Deno.readTextFile(vars.DATABASE_PASSWORD_FILE)).trim();
    const sql = connectPostgres({ url: vars.DATABASE_URL, password, name, max });
    this.defer(() => sql.end({ timeout: 5 }));
    return sql;
  }

  /**
   * The provision step for a service's database (roles, migrations as the owner, grants) and
   * the variables that run it as itself.
   */
  async serviceEnv(
    access: ServiceAccess,
    nats: NatsServer,
    pg?: PostgresServer,
    options: { database?: string } = {},
  ): Promise<Record<string, string>> {
    const postgres = pg
      ? { host: `127.0.0.1:${pg.port}`, database: options.database, adminUrlFor: pg.adminUrlFor }
      : undefined;
    return await (await this.fleet()).serviceEnv(access.service, { natsUrl: nats.url, postgres });
  }

  /** `deno run -A <args>`, stopped with SIGTERM at the end. */
  deno(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
    // FLOTILLA_BENCH_V8_FLAGS=--prof writes V8 tick logs (read them with node --prof-process).
    const v8 = Deno.env.get("FLOTILLA_BENCH_V8_FLAGS");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...(v8 ? [`--v8-flags=${v8}`] : []), ...args],
      env,
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    this.defer(async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    });
    return child;
  }

  /** Starts `main` (relative to the repository) on a free port and waits until it serves. */
  async service(main: string, options: ServiceOptions = {}): Promise<BenchService> {
    const port = freePort();
    const child = this.deno([`${root}${main}`], {
      PORT: String(port),
      LOG_LEVEL: options.logLevel ?? "warn",
      // The test kit's key pair: the services trust it, the gateway signs with it.
      ...testIdentity.env,
      ...options.env,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForOk(`${url}${options.readyPath ?? "/readyz"}`, 60_000);
    return { url, child };
  }

  async close(): Promise<void> {
    for (const undo of this.#undo.splice(0).reverse()) {
      await Promise.resolve().then(undo).catch(() => {});
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
