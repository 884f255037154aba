/**
 * The fleet's identities on servers we start ourselves: one mechanism for `deno task dev`, the
 * test kit and the benchmarks (compose gets the same files from `deno task provision
 * --compose-secrets`):
 * - an admin NATS identity (the provision step, tools, test drivers) and one per service, whose
 *   permissions are derived from its access declaration (packages/contracts/access.ts);
 * - per service database, a runtime role with its own password;
 * - the secrets a service declares (the auditlog's keys);
 * all generated once into a SecretStore and handed to a service as paths of files.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport";
import {
  BACKBONE_SCOPE,
  type Catalog,
  connectPostgres,
  databaseName,
  inboxPrefix,
  type Logger,
  natsAuthOptions,
  natsPermissions,
  provision,
  provisionDatabase,
  type ServiceAccess,
  silentLogger,
} from "@flotilla/backbone";
import { type NatsOptions, type NatsServer, type NatsUser, startNats } from "./nats.ts";
import { nkeyPublicKey, SecretStore } from "./secrets.ts";

/** Accesses and the catalog they refer to. */
export type Identities = { catalog: Catalog; access: readonly ServiceAccess[] }[];

const natsSecret = (identity: string) => `nats-${identity}.nkey`;
const databaseSecret = (role: string) => `postgres-${role}.password`;
const serviceSecret = (service: string, variable: string) =>
  `${service}-${variable.toLowerCase().replaceAll("_", "-")}`;

/** Where a service's database lives: the server (as the superuser) and the database's name. */
export interface DatabaseTarget {
  /** `host:port`, as the service reaches it. */
  host: string;
  /** The database; named after the service by default. The runtime role is named after it. */
  database?: string;
}

/** nats-server's users: the admin (unrestricted) and every identity, restricted. */
export async function natsUsers(store: SecretStore, identities: Identities): Promise<NatsUser[]> {
  const user = async (identity: string) =>
    nkeyPublicKey(await store.read(natsSecret(identity), "nkey"));
  const users: NatsUser[] = [{ nkey: await user("admin") }];
  for (const { catalog, access } of identities) {
    for (const a of access) {
      users.push({ nkey: await user(a.service), permissions: natsPermissions(catalog, a) });
    }
  }
  return users;
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

/**
 * The provision step for one service's database: roles, migrations as the owner, grants.
 * `adminUrlFor` gives a superuser URL (password included). Returns the migrations applied.
 */
export async function provisionServiceDatabase(
  target: { store: SecretStore; adminUrlFor: (database: string) => string; logger?: Logger },
  access: ServiceAccess,
  options: { database?: string } = {},
): Promise<string[]> {
  if (!access.database) return [];
  const { adminUrlFor } = target;
  const database = options.database ?? databaseName(access.service);
  return await provisionDatabase(
    (db) => connectPostgres({ url: adminUrlFor(db), name: "provision", max: 1 }),
    {
      database,
      role: database,
      password: await target.store.read(databaseSecret(database), "password"),
      scopes: [BACKBONE_SCOPE, access.service],
      tables: access.database.tables,
    },
    target.logger ?? silentLogger,
  );
}

/**
 * The fleet on local servers: its credentials (in `dir`), a nats-server that knows its
 * identities, connections as any of them, and the provision step.
 */
export class LocalFleet {
  private constructor(readonly secrets: SecretStore, readonly identities: Identities) {}

  static async open(dir: string, identities: Identities): Promise<LocalFleet> {
    return new LocalFleet(await SecretStore.open(dir), identities);
  }

  /** The access declared for `service`, and the catalog it refers to. */
  identityOf(service: string): { catalog: Catalog; access: ServiceAccess } | undefined {
    for (const group of this.identities) {
      const access = group.access.find((a) => a.service === service);
      if (access) return { catalog: group.catalog, access };
    }
    return undefined;
  }

  /** nats-server with JetStream that lets in the admin and every identity, each restricted. */
  async startNats(options: Omit<NatsOptions, "users">): Promise<NatsServer> {
    return await startNats({ ...options, users: await natsUsers(this.secrets, this.identities) });
  }

  /** The file with the nkey seed of `identity` (the admin by default). */
  seedFile(identity = "admin"): Promise<string> {
    return this.secrets.file(natsSecret(identity), "nkey");
  }

  /** A connection as `identity` (the admin by default), with that identity's inbox prefix. */
  async connect(
    natsUrl: string,
    identity?: string,
    options: NodeConnectionOptions = {},
  ): Promise<NatsConnection> {
    const nkey = await Deno.readTextFile(await this.seedFile(identity));
    const inbox = identity ? inboxPrefix(identity) : undefined;
    return await connect({
      servers: natsUrl.split(","),
      ...options,
      ...natsAuthOptions({ nkey, inboxPrefix: inbox }),
    });
  }

  /** The provision step for JetStream, as the admin. */
  async provision(natsUrl: string, catalog: Catalog, logger?: Logger) {
    const nc = await this.connect(natsUrl);
    try {
      return await provision(nc, catalog, logger);
    } finally {
      await nc.close();
    }
  }

  /**
   * The provision step for `service`'s database (when it has one and `postgres` is given), then
   * the variables that run it as itself.
   */
  async serviceEnv(
    service: string,
    where: {
      natsUrl: string;
      postgres?: DatabaseTarget & { adminUrlFor: (database: string) => string };
    },
  ): Promise<Record<string, string>> {
    const access = this.identityOf(service)?.access;
    if (!access) throw new Error(`No access is declared for "${service}"`);
    if (where.postgres) {
      await provisionServiceDatabase(
        { store: this.secrets, adminUrlFor: where.postgres.adminUrlFor },
        access,
        { database: where.postgres.database },
      );
    }
    return await serviceEnvironment(this.secrets, access, where);
  }
}
