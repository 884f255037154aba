/**
 * The fleet's identities on servers we start ourselves, one mechanism for `deno task dev`,
 * the test kit and the benchmarks (compose gets the same files from `deno task provision
 * --compose-secrets`):
 * - an admin NATS identity (the provision step, tools, test drivers) and one per service, whose
 *   permissions are derived from its access declaration (packages/contracts/access.ts);
 * - per service database, a runtime role with its own password;
 * - the secrets a service declares (the auditlog's keys);
 * all generated once into a SecretStore and handed to a service as paths of files.
 */
import {
  BACKBONE_SCOPE,
  type Catalog,
  connectPostgres,
  databaseName,
  type Logger,
  natsAuthOptions,
  natsPermissions,
  provision,
  provisionDatabase,
  type ServiceAccess,
  silentLogger,
} from "@flotilla/backbone";
import { connect } from "@nats-io/transport";
import type { NatsUser } from "./nats.ts";
import { nkeyPublicKey, type SecretStore } from "./secrets.ts";

export const ADMIN = "admin";

const natsSecret = (identity: string) => `nats-${identity}.nkey`;
const databaseSecret = (role: string) => `postgres-${role}.password`;
const serviceSecret = (service: string, variable: string) =>
  `${service}-${variable.toLowerCase().replaceAll("_", "-")}`;

/**
 * nats-server's users: the admin (unrestricted) and every service, restricted to what its
 * access declares (each group's accesses refer to its catalog).
 */
export async function natsUsers(
  store: SecretStore,
  groups: { catalog: Catalog; access: readonly ServiceAccess[] }[],
): Promise<NatsUser[]> {
  const user = async (identity: string) =>
    nkeyPublicKey(await store.read(natsSecret(identity), "nkey"));
  const users: NatsUser[] = [{ nkey: await user(ADMIN) }];
  for (const { catalog, access } of groups) {
    for (const a of access) {
      users.push({ nkey: await user(a.service), permissions: natsPermissions(catalog, a) });
    }
  }
  return users;
}

/** The admin's (or any identity's) nkey seed file. */
export function natsSeedFile(store: SecretStore, identity = ADMIN): Promise<string> {
  return store.file(natsSecret(identity), "nkey");
}

/** Connects to NATS as the admin (provisioning, tools, test drivers). */
export async function connectAdmin(store: SecretStore, natsUrl: string) {
  const nkey = await store.read(natsSecret(ADMIN), "nkey");
  return await connect({ servers: natsUrl.split(","), ...natsAuthOptions({ nkey }) });
}

export interface DatabaseTarget {
  /** The database; the service's own name by default. The runtime role is named after it. */
  database?: string;
  /** Postgres host and port (`127.0.0.1:5432`). */
  host: string;
}

/** The variables a service needs to run as itself: its identity and secrets, as files. */
export async function serviceEnvironment(
  store: SecretStore,
  access: ServiceAccess,
  where: { natsUrl: string; postgres?: DatabaseTarget },
): Promise<Record<string, string>> {
  const vars: Record<string, string> = {
    NATS_URL: where.natsUrl,
    NATS_NKEY_FILE: await store.file(natsSecret(access.service), "nkey"),
  };
  if (access.database && where.postgres) {
    const database = where.postgres.database ?? databaseName(access.service);
    vars.DATABASE_URL = `postgres://${database}@${where.postgres.host}/${database}`;
    vars.DATABASE_PASSWORD_FILE = await store.file(databaseSecret(database), "password");
  }
  for (const [variable, kind] of Object.entries(access.secrets ?? {})) {
    vars[`${variable}_FILE`] = await store.file(serviceSecret(access.service, variable), kind);
  }
  return vars;
}

/** The provision step for JetStream: every stream, consumer and bucket, as the admin. */
export async function provisionJetStream(
  target: { store: SecretStore; natsUrl: string; catalog: Catalog; logger?: Logger },
) {
  const nc = await connectAdmin(target.store, target.natsUrl);
  try {
    return await provision(nc, target.catalog, target.logger);
  } finally {
    await nc.close();
  }
}

/**
 * The provision step for one service's database: roles, migrations as the owner, grants.
 * Returns the migrations it applied.
 */
export async function provisionServiceDatabase(
  target: {
    store: SecretStore;
    /** A superuser URL (password included) for a database of the server. */
    adminUrlFor: (database: string) => string;
    logger?: Logger;
  },
  access: ServiceAccess,
  options: { database?: string; migrations?: string } = {},
): Promise<string[]> {
  if (!access.database) return [];
  const adminUrlFor = target.adminUrlFor;
  const database = options.database ?? databaseName(access.service);
  return await provisionDatabase(
    (db) => connectPostgres({ url: adminUrlFor(db), name: "provision", max: 1 }),
    {
      database,
      role: database,
      password: await target.store.read(databaseSecret(database), "password"),
      scopes: [BACKBONE_SCOPE, options.migrations ?? access.service],
      tables: access.database.tables,
    },
    target.logger ?? silentLogger,
  );
}
