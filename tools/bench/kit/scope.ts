/**
 * A bench's throw-away world: a temp directory, its own nats-server and PostgreSQL, service
 * processes, and everything undone at the end, the last started first.
 */
import {
  ensureDatabase,
  freePort,
  type NatsServer,
  type PostgresServer,
  startNats,
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

  async nats(): Promise<NatsServer> {
    const nats = await startNats({ dir: `${this.dir}/nats` });
    this.defer(() => nats.stop());
    return nats;
  }

  /** PostgreSQL with `databases` created; `fast` turns fsync off. */
  async postgres(options: { fast?: boolean; databases?: string[] } = {}): Promise<PostgresServer> {
    const pg = await startPostgres({ dir: `${this.dir}/pg`, fast: options.fast });
    this.defer(() => pg.stop());
    for (const db of options.databases ?? []) await ensureDatabase(pg.url, db);
    return pg;
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
