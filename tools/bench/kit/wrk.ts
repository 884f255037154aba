/** wrk, the HTTP load generator of the read benches, installed before anything is measured. */
import { requireCommand } from "@flotilla/infra";

let binary: Promise<string> | undefined;

/** wrk's path; installs it (Debian, as root) or stops with the exact command to run. */
export function requireWrk(): Promise<string> {
  return binary ??= requireCommand("wrk", "wrk");
}

export interface WrkOptions {
  seconds: number;
  connections: number;
  threads: number;
  /** A Lua script that shapes the requests. */
  script?: string;
  /** Sent with every request (an Authorization header, say). */
  headers?: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

export async function wrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const { seconds, connections, threads, script, headers = {} } = options;
  const out = await new Deno.Command(await requireWrk(), {
    args: [
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
      ...(script ? ["-s", script] : []),
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  const text = new TextDecoder().decode(out.stdout);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, "m").exec(text);
    return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN),
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}
