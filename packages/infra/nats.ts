/** A local nats-server with JetStream, on a given or free port, its store in a given directory. */
import { requireCommand } from "./install.ts";
import { command, freePort, type Restartable, restartable, waitFor } from "./processes.ts";

export interface NatsServer extends Restartable {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store directory after `stop()`. */
  start(): Promise<void>;
}

export function natsServerBinary(): Promise<string> {
  return requireCommand("nats-server", "nats-server", "or set NATS_URL to a running server");
}

export interface NatsOptions {
  dir: string;
  port?: number;
  /** Passed through to nats-server's JetStream limits. */
  maxFileStore?: string;
  /** Out of the caller's process group: a terminal's Ctrl-C leaves it to the caller to stop. */
  ownProcessGroup?: boolean;
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
  const spawn = async () => {
    const log = await Deno.open(logFile, { create: true, append: true });
    log.close();
    const nats = await command(binary, {
      args: ["-c", configFile, "-l", logFile],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }, options.ownProcessGroup);
    return nats.spawn();
  };
  const ready = (child: Deno.ChildProcess) =>
    waitFor(
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
  return await restartable(
    { url: `nats://127.0.0.1:${port}`, port, monitorPort, storeDir },
    spawn,
    ready,
    { signal: "SIGTERM", graceMs: 10_000 },
  );
}
