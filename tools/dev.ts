/**
 * `deno task dev`: the whole fleet on one machine with no setup. Starts nats-server (JetStream)
 * and PostgreSQL with data under .data/ (or uses NATS_URL / DATABASE_URL when set), creates one
 * database per service, provisions the catalog, starts every service, prints what runs where,
 * and stops it all cleanly on Ctrl-C.
 *
 * Every child runs in a process group of its own: a terminal's Ctrl-C signals only this
 * orchestrator's group, and the orchestrator sends each service one SIGTERM, then stops the
 * infrastructure once the services have finished with it. (A service signalled twice gives up
 * its shutdown half-way.)
 */
import { connect } from "@nats-io/transport";
import { fleetCatalog } from "@flotilla/contracts";
import { provision } from "@flotilla/backbone";
import {
  ensureDatabase,
  freePort,
  ownGroupCommand,
  startNats,
  startPostgres,
} from "@flotilla/infra";
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
const children: { name: string; child: Deno.ChildProcess; output: Promise<unknown> }[] = [];

// Out of the terminal's group, nothing started here stops by itself: every signal that ends
// the orchestrator stops it all. One during start-up takes effect once the step in flight is
// done, so that nothing it starts is left behind.
let started = false;
let stopping = false;
let interrupted: string | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => started ? shutdown(signal) : interrupted ??= signal);
}
async function checkpoint(): Promise<void> {
  if (interrupted) await shutdown(interrupted);
}

let natsUrl = Deno.env.get("NATS_URL");
if (!natsUrl) {
  const nats = await startNats({
    dir: `${dataDir}/nats`,
    port: await portOr(4222),
    ownProcessGroup: true,
  });
  stops.push(() => nats.stop());
  natsUrl = nats.url;
  console.log(`[dev] nats-server with JetStream on ${nats.url} (store ${nats.storeDir})`);
  await checkpoint();
}
let pgServerUrl = Deno.env.get("DATABASE_URL");
if (!pgServerUrl) {
  const pg = await startPostgres({
    dir: `${dataDir}/pg`,
    port: await portOr(5432),
    ownProcessGroup: true,
  });
  stops.push(() => pg.stop());
  pgServerUrl = pg.url;
  console.log(`[dev] PostgreSQL on ${pg.url} (data ${pg.dataDir})`);
  await checkpoint();
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
  const command = await ownGroupCommand(Deno.execPath(), {
    args: ["run", "-A", `${root}${s.main}`],
    env: {
      PORT: String(s.port + portOffset),
      NATS_URL: natsUrl,
      // The name its traces carry (`OTEL_DENO=true deno task dev` turns tracing on).
      OTEL_SERVICE_NAME: s.name,
      ...(s.database ? { DATABASE_URL: databaseUrlFor(s.database) } : {}),
      ...s.env?.(fleet),
    },
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const output = Promise.all([pipe(s.name, child.stdout), pipe(s.name, child.stderr)]).catch(
    () => {},
  );
  children.push({ name: s.name, child, output });
  await checkpoint();
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

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n[dev] ${signal}: stopping services…`);
  for (const { child } of children) {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
  }
  // A service's last lines (its "stopped") are printed before the infrastructure goes.
  await Promise.race([
    Promise.all(children.map(({ child, output }) => Promise.all([child.status, output]))),
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
started = true;
await checkpoint();
for (const { name, child } of children) {
  child.status.then((status) => {
    if (!stopping) console.log(`[dev] ${name} exited with code ${status.code}`);
  });
}
await new Promise(() => {});
