/** CPU time of the processes under test, from Linux's /proc. */
import type { NatsServer, PostgresServer } from "@flotilla/infra";

/** The fields of /proc/<pid>/stat after the command name. */
async function stat(pid: number): Promise<string[] | undefined> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/stat`);
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** CPU seconds (user + system, in USER_HZ ticks of 1/100 s) a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  const fields = await stat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : undefined;
}

/** CPU seconds of a process and its children (PostgreSQL's postmaster and its backends). */
async function treeCpuSeconds(pid: number): Promise<number> {
  let total = (await cpuSeconds(pid)) ?? 0;
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const fields = await stat(Number(e.name));
    if (fields && Number(fields[1]) === pid) total += (await cpuSeconds(Number(e.name))) ?? 0;
  }
  return total;
}

export async function postgresCpuSeconds(pg: PostgresServer): Promise<number> {
  const postmaster = (await Deno.readTextFile(`${pg.dataDir}/postmaster.pid`)).split("\n")[0];
  return await treeCpuSeconds(Number(postmaster));
}

/** The nats-server's pid: the process whose command line names its store's config file. */
export async function natsPid(nats: NatsServer): Promise<number> {
  const config = nats.storeDir.replace(/jetstream$/, "nats.conf");
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "");
    if (cmdline.split("\0").includes(config)) return Number(e.name);
  }
  throw new Error(`no process runs nats-server with ${config}`);
}
