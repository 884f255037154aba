/**
 * `deno task dev`: the whole fleet on one machine with no setup, locked down as in production.
 * Generates the fleet's credentials once into .data/secrets (files mode 0600: an nkey per
 * service and for the admin, a password per database role, the auditlog's keys), starts
 * nats-server (JetStream, each service allowed only its own subjects) and PostgreSQL
 * (passwords only) with data under .data/ (or uses NATS_URL / DATABASE_URL when set, with the
 * admin credentials tools/admin.ts reads), runs the provision step (streams, consumers,
 * buckets, roles, migrations, grants), starts every service as itself, prints what runs where,
 * and stops it all cleanly on Ctrl-C. Everything listens on 127.0.0.1 (HOST to change it);
 * the gateway's identity key pair and an operator API key (every scope) are made on first start
 * and kept under .data/ (mode 0600); the key is printed once, when it is made.
 *
 * Every child runs in a process group of its own: a terminal's Ctrl-C signals only this
 * orchestrator's group, and the orchestrator sends each service one SIGTERM, then stops the
 * infrastructure once the services have finished with it. (A service signalled twice gives up
 * its shutdown half-way.)
 */
import { fleetAccess, fleetCatalog } from "@flotilla/contracts";
import {
  freePort,
  LocalFleet,
  ownGroupCommand,
  serviceEnvironment,
  startPostgres,
} from "@flotilla/infra";
import { adminConfig, connectAdminNats, devPaths } from "./admin.ts";
import { identityKeys, operatorKey } from "./identity_files.ts";
import { provisionFleet } from "./provision.ts";
import { type FleetUrls, services } from "./services.ts";

const root = new URL("..", import.meta.url).pathname;
const paths = devPaths();
const dataDir = paths.dataDir;
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

const fleetIdentities = await LocalFleet.open(paths.secrets, [
  { catalog: fleetCatalog, access: fleetAccess },
]);
const secrets = fleetIdentities.secrets;
let natsUrl = Deno.env.get("NATS_URL");
if (!natsUrl) {
  const nats = await fleetIdentities.startNats({
    dir: `${dataDir}/nats`,
    port: await portOr(4222),
    ownProcessGroup: true,
  });
  stops.push(() => nats.stop());
  natsUrl = nats.url;
  console.log(`[dev] nats-server with JetStream on ${nats.url} (store ${nats.storeDir})`);
  await checkpoint();
}
let pgHost = "";
let adminUrlFor: (database: string) => string;
if (Deno.env.get("DATABASE_URL")) {
  const config = adminConfig();
  const base = new URL(config.DATABASE_URL);
  if (config.DATABASE_PASSWORD) base.password = encodeURIComponent(config.DATABASE_PASSWORD);
  pgHost = base.host;
  adminUrlFor = (database) => Object.assign(new URL(base), { pathname: `/${database}` }).href;
} else {
  const pg = await startPostgres({
    dir: paths.pg,
    port: await portOr(5432),
    ownProcessGroup: true,
  });
  stops.push(() => pg.stop());
  pgHost = `127.0.0.1:${pg.port}`;
  adminUrlFor = pg.adminUrlFor;
  console.log(`[dev] PostgreSQL on ${pg.url} (data ${pg.dataDir})`);
  await checkpoint();
}
const databaseUrlFor = (db: string) => `postgres://${db}@${pgHost}/${db}`;

for (
  const line of await provisionFleet({
    store: secrets,
    adminUrlFor,
    connectNats: () => connectAdminNats("dev-provision", natsUrl),
  })
) console.log(`[dev] provisioned ${line}`);
await checkpoint();
const identity = await identityKeys(`${dataDir}/identity`);
if (identity.created) console.log(`[dev] made the gateway's key pair in ${dataDir}/identity/`);
const operatorKeyPath = `${dataDir}/operator.key`;
const adminNc = await connectAdminNats("dev-operator-key", natsUrl);
const operator = await operatorKey(adminNc, operatorKeyPath).finally(() => adminNc.close());
await checkpoint();

const present = [];
for (const s of services) if (await exists(`${root}${s.main}`)) present.push(s);
const host = Deno.env.get("HOST") ?? "127.0.0.1";
const fleet: FleetUrls = {
  natsUrl,
  identitySigningKey: identity.signingKey,
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
  const access = fleetAccess.find((a) => a.service === s.name);
  const serviceIdentity = access
    ? await serviceEnvironment(secrets, access, { natsUrl, postgres: { host: pgHost } })
    : {};
  const command = await ownGroupCommand(Deno.execPath(), {
    args: ["run", "-A", `${root}${s.main}`],
    env: {
      PORT: String(s.port + portOffset),
      HOST: host,
      IDENTITY_PUBLIC_KEY: identity.publicKey,
      ...serviceIdentity,
      // The name its traces carry (`OTEL_DENO=true deno task dev` turns tracing on).
      OTEL_SERVICE_NAME: s.name,
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
  ["nats", natsUrl, `deno task inspect (as the admin: ${paths.adminNkey})`],
  ["postgres", `postgres://${pgHost}`, `psql ${databaseUrlFor("<service>")}`],
  // Services take requests from the gateway only; its /docs lists them all.
  ...present.map((s) => [
    s.name,
    fleet.serviceUrl(s.name),
    s.name === "gateway" || s.name === "provider-sim"
      ? `${fleet.serviceUrl(s.name)}/docs`
      : "through the gateway",
  ]),
];
console.log("\n[dev] Flotilla is running:");
for (const [name, url, hint] of rows) console.log(`  ${name.padEnd(13)} ${url.padEnd(34)} ${hint}`);
if (present.length === 0) console.log("  (no services yet: infrastructure only)");
console.log(
  `[dev] credentials: ${paths.secrets} (the superuser's password: ${paths.superuserPassword})`,
);
if (operator.created) {
  console.log(
    `\n[dev] your operator API key (every scope; shown this once, kept in ${operatorKeyPath}):`,
  );
  console.log(`  ${operator.key}`);
}
console.log(
  `[dev] a first request:\n  curl -H "Authorization: Bearer $(cat ${operatorKeyPath})" ${
    fleet.serviceUrl("gateway")
  }/api/v1/accounts`,
);
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
