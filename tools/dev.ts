/**
 * `deno task dev`: the whole fleet on one machine with no setup. Starts nats-server (JetStream)
 * and PostgreSQL with data under .data/ (or uses NATS_URL / DATABASE_URL when set), creates one
 * database per service, provisions the catalog, starts every service, prints what runs where,
 * and stops it all cleanly on Ctrl-C.
 */
import { connect } from "@nats-io/transport";
import { fleetCatalog } from "@flotilla/contracts";
import { provision } from "@flotilla/backbone";
import { ensureDatabase, freePort, startNats, startPostgres } from "@flotilla/infra";
import { type FleetUrls, services } from "./services.ts";

const root = new URL("..", import.meta.url).pathname;
const dataDir = Deno.env.get("FLOTILLA_DATA_DIR") ?? `${root}.data`;
// Shifts every service port (8080 → 8080 + offset), to run a second fleet beside the first.
const portOffset = Number(Deno.env.get("FLOTILLA_PORT_OFFSET") ?? "0");

async function portOr(preferred: number): Promise<number> {
  try {
    const l = Deno.listen({ hostname: "127.0.0.1", port: preferred });
    l.close();
    return preferred;
  } catch {
    const port = freePort();
    console.log(`[dev] port ${preferred} is taken; using ${port}`);
    return await Promise.resolve(port);
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const stops: (() => Promise<void>)[] = [];

let natsUrl = Deno.env.get("NATS_URL");
if (!natsUrl) {
  const nats = await startNats({ dir: `${dataDir}/nats`, port: await portOr(4222) });
  stops.push(() => nats.stop());
  natsUrl = nats.url;
  console.log(`[dev] nats-server with JetStream on ${nats.url} (store ${nats.storeDir})`);
}
let pgServerUrl = Deno.env.get("DATABASE_URL");
if (!pgServerUrl) {
  const pg = await startPostgres({ dir: `${dataDir}/pg`, port: await portOr(5432) });
  stops.push(() => pg.stop());
  pgServerUrl = pg.url;
  console.log(`[dev] PostgreSQL on ${pg.url} (data ${pg.dataDir})`);
}
const databaseUrlFor = (db: string) => pgServerUrl!.replace(/\/[^/?]*(\?.*)?$/, `/${db}$1`);

const nc = await connect({ servers: natsUrl });
const report = await provision(nc, fleetCatalog);
await nc.close();
console.log(
  `[dev] provisioned JetStream: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`,
);

const present = [];
for (const s of services) if (await exists(`${root}${s.main}`)) present.push(s);
const fleet: FleetUrls = {
  natsUrl,
  databaseUrlFor,
  serviceUrl: (name) =>
    `http://127.0.0.1:${(services.find((s) => s.name === name)?.port ?? 0) + portOffset}`,
};

const children: { name: string; child: Deno.ChildProcess }[] = [];
const encoder = new TextEncoder();
async function pipe(name: string, stream: ReadableStream<Uint8Array>) {
  const lines = stream.pipeThrough(new TextDecoderStream());
  let buffer = "";
  for await (const chunk of lines) {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      await Deno.stdout.write(encoder.encode(`${name.padEnd(13)}| ${line}\n`));
    }
  }
}

for (const s of present) {
  if (s.database) await ensureDatabase(pgServerUrl, s.database);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}${s.main}`],
    env: {
      PORT: String(s.port + portOffset),
      NATS_URL: natsUrl,
      ...(s.database ? { DATABASE_URL: databaseUrlFor(s.database) } : {}),
      ...s.env?.(fleet),
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  pipe(s.name, child.stdout).catch(() => {});
  pipe(s.name, child.stderr).catch(() => {});
  children.push({ name: s.name, child });
}

const rows = [
  ["nats", natsUrl, "nats stream ls --server " + natsUrl],
  ["postgres", pgServerUrl, "psql " + databaseUrlFor("<service>")],
  ...present.map((s) => [s.name, fleet.serviceUrl(s.name), `${fleet.serviceUrl(s.name)}/docs`]),
];
console.log("\n[dev] Flotilla is running:");
for (const [name, url, hint] of rows) console.log(`  ${name.padEnd(13)} ${url.padEnd(34)} ${hint}`);
if (present.length === 0) console.log("  (no services yet: infrastructure only)");
console.log("[dev] Ctrl-C stops everything.\n");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n[dev] ${signal}: stopping services…`);
  for (const { child } of children) {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
  }
  await Promise.race([
    Promise.all(children.map(({ child }) => child.status)),
    new Promise((r) => setTimeout(r, 20_000)),
  ]);
  for (const { child } of children) {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }
  console.log("[dev] stopping infrastructure…");
  for (const stop of stops.reverse()) await stop();
  console.log("[dev] stopped.");
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
for (const { name, child } of children) {
  child.status.then((status) => {
    if (!stopping) console.log(`[dev] ${name} exited with code ${status.code}`);
  });
}
await new Promise(() => {});
