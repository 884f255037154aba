/** Ports and child processes: free ports, starting in a group of its own, waiting, stopping. */
import { requireCommand } from "./install.ts";

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export async function tcpOpen(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * A command that runs `binary` in a process group (and session) of its own: a signal sent to
 * the caller's group, such as a terminal's Ctrl-C, does not reach it, so its owner alone
 * decides when and how it stops. `setsid` execs in place, so the child's pid is the program's.
 */
export async function ownGroupCommand(
  binary: string,
  options: Deno.CommandOptions,
): Promise<Deno.Command> {
  const setsid = await requireCommand("setsid", "util-linux");
  return new Deno.Command(setsid, { ...options, args: [binary, ...(options.args ?? [])] });
}

/** The command for `binary`, in a group of its own when `ownGroup` is set. */
export function command(
  binary: string,
  options: Deno.CommandOptions,
  ownGroup = false,
): Promise<Deno.Command> {
  return ownGroup
    ? ownGroupCommand(binary, options)
    : Promise.resolve(new Deno.Command(binary, options));
}

/** Polls `check` until it holds; fails early if `child` exits, with the tail of `logFile`. */
export async function waitFor(
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

/** A server process that can be stopped and started again in place. */
export interface Restartable {
  stop(): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
}

/**
 * `fields` plus start/stop/running over a child process: `spawn` starts it, `ready` waits
 * until it serves; `stop` sends `signal`, then SIGKILL after `graceMs`. Started once before it
 * is returned; start and stop are safe to call twice.
 */
export async function restartable<T extends object>(
  fields: T,
  spawn: () => Promise<Deno.ChildProcess>,
  ready: (child: Deno.ChildProcess) => Promise<void>,
  stopping: { signal: Deno.Signal; graceMs: number },
): Promise<T & Restartable> {
  let child: Deno.ChildProcess | undefined;
  const server = {
    ...fields,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      child = await spawn();
      await ready(child);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c) await stopChild(c, stopping.signal, stopping.graceMs);
    },
  };
  await server.start();
  return server;
}
