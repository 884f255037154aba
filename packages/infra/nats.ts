/**
 * A local nats-server with JetStream, on a given or free port, its store in a given directory.
 * Clients authenticate with nkeys: the configuration names each user by its public key (it
 * holds no secret), with the subjects that user may publish and subscribe to; a connection
 * without a known key is refused.
 */
import { requireCommand } from "./install.ts";
import { command, freePort, type Restartable, restartable, waitFor } from "./processes.ts";

export interface NatsServer extends Restartable {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** The server's log (permission violations are logged here). */
  readonly logFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store directory after `stop()`. */
  start(): Promise<void>;
}

export function natsServerBinary(): Promise<string> {
  return requireCommand("nats-server", "nats-server", "or set NATS_URL to a running server");
}

/** Subjects a user may publish and subscribe to; a user without them may do anything. */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

export interface NatsUser {
  /** The user's public nkey (`U…`). */
  nkey: string;
  permissions?: NatsPermissions;
}

export interface NatsOptions {
  dir: string;
  /** Who may connect. */
  users: NatsUser[];
  /** Serves TLS with this certificate and key. */
  tls?: { certFile: string; keyFile: string };
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
      `  store_dir: ${JSON.stringify(storeDir)}`,
      `  max_memory_store: 256MB`,
      `  max_file_store: ${options.maxFileStore ?? "20GB"}`,
      `}`,
      ...(options.tls
        ? [
          `tls {`,
          `  cert_file: ${JSON.stringify(options.tls.certFile)}`,
          `  key_file: ${JSON.stringify(options.tls.keyFile)}`,
          `}`,
        ]
        : []),
      authorization(options.users),
    ].join("\n") + "\n",
    { mode: 0o600 },
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
    { url: `nats://127.0.0.1:${port}`, port, monitorPort, storeDir, logFile },
    spawn,
    ready,
    { signal: "SIGTERM", graceMs: 10_000 },
  );
}

/** The `authorization` block: one entry per user, with allow lists when it is restricted. */
export function authorization(users: NatsUser[]): string {
  if (users.length === 0) throw new Error("nats-server needs at least one user");
  const list = (subjects: string[]) => JSON.stringify(subjects);
  const entries = users.map((u) =>
    u.permissions
      ? `    { nkey: ${JSON.stringify(u.nkey)}, permissions: { ` +
        `publish: { allow: ${list(u.permissions.publish)} }, ` +
        `subscribe: { allow: ${list(u.permissions.subscribe)} } } }`
      : `    { nkey: ${JSON.stringify(u.nkey)} }`
  );
  return ["authorization {", "  users = [", ...entries, "  ]", "}"].join("\n");
}
