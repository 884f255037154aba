/** A service as a child process of a test, running as itself (see `spawnService`). */
import { eventually, type TestEnv } from "./harness.ts";
import { testIdentity } from "./identity.ts";

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
 * /healthz answers. It runs as itself, as the fleet runs it: the provision step is done first
 * (the fleet's streams, consumers and buckets; its database's roles and migrations, on the
 * database `env.DATABASE_URL` names, the test's by default), and it gets its own identity
 * and secrets (`TestEnv.serviceEnv`). `service` names it when the path does not
 * (`services/<name>/main.ts`); a program that is no service of the fleet gets NATS_URL only.
 * It is killed when the env is disposed.
 */
export async function spawnService(
  env: TestEnv,
  options: {
    main: string;
    service?: string;
    env?: Record<string, string>;
    port?: number;
    readyPath?: string;
  },
): Promise<ServiceProcess> {
  const { freePort } = await import("@flotilla/infra");
  const port = options.port ?? freePort();
  const url = `http://127.0.0.1:${port}`;
  const main = new URL(`../../${options.main}`, import.meta.url).pathname;
  const { DATABASE_URL, ...extra } = options.env ?? {};
  const service = options.service ?? /^services\/([^/]+)\/main\.ts$/.exec(options.main)?.[1];
  const declared = service ? env.fleet.identityOf(service) : undefined;
  let identity: Record<string, string> = { NATS_URL: env.natsUrl };
  if (service && declared) {
    await env.provision(declared.catalog);
    const database = DATABASE_URL ? new URL(DATABASE_URL).pathname.slice(1) : undefined;
    identity = await env.serviceEnv(service, { database });
  }
  let child: Deno.ChildProcess | undefined;
  let log = "";
  const start = async () => {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main],
      env: {
        PORT: String(port),
        LOG_LEVEL: "info",
        // The name its traces carry when a test turns tracing on (OTEL_DENO=true).
        ...(service ? { OTEL_SERVICE_NAME: service } : {}),
        ...testIdentity.env,
        ...identity,
        ...extra,
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
