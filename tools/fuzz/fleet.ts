/**
 * The whole fleet as `deno task dev` runs it (tools/services.ts), on the test kit's real
 * nats-server and PostgreSQL: every service a child process on a free port, each with a fresh
 * database, the catalog provisioned first, the gateway in front without a rate limit.
 */
import type { NatsConnection } from "@nats-io/transport";
import { fleetCatalog } from "@flotilla/contracts";
import { freePort } from "@flotilla/infra";
import {
  bearer,
  createTestKey,
  type ServiceProcess,
  spawnService,
  testEnv,
  testIdentity,
} from "@flotilla/testkit";
import { type FleetUrls, services } from "../services.ts";

export interface Fleet extends AsyncDisposable {
  /** The gateway's base URL: what the fuzzer talks to. */
  readonly gateway: string;
  /** Headers every request to the gateway carries: the one place for a credential. */
  readonly headers: Record<string, string>;
  /** Every process by name (the gateway, each service, provider-sim). */
  readonly processes: Readonly<Record<string, ServiceProcess>>;
  /** A NATS client on the fleet's server (closed with the fleet). */
  connect(): Promise<NatsConnection>;
}

export async function startFleet(): Promise<Fleet> {
  const env = await testEnv();
  try {
    await env.provision(fleetCatalog);
    const ports = new Map(services.map((s) => [s.name, freePort()]));
    const urls: FleetUrls = {
      natsUrl: env.natsUrl,
      databaseUrlFor: (db) => env.pgServerUrl.replace(/\/[^/]*$/, `/${db}`),
      serviceUrl: (name) => `http://127.0.0.1:${ports.get(name)}`,
      identitySigningKey: testIdentity.env.IDENTITY_SIGNING_KEY,
    };
    const databases = new Map<string, string>();
    for (const s of services) if (s.database) databases.set(s.name, await env.createDatabase());
    const started = await Promise.all(services.map(async (s) => {
      const db = databases.get(s.name);
      const process = await spawnService(env, {
        main: s.main,
        port: ports.get(s.name),
        env: {
          LOG_LEVEL: "warn",
          ...(db ? { DATABASE_URL: urls.databaseUrlFor(db) } : {}),
          ...(s.name === "gateway" ? { RATE_LIMIT_RPS: "0" } : {}),
          ...s.env?.(urls),
        },
      });
      return [s.name, process] as const;
    }));
    const processes = Object.fromEntries(started);
    // An operator's key: every scope, so what the fuzzer learns is about input, not access.
    const { key } = await createTestKey(env, { name: "fuzz" });
    return {
      gateway: urls.serviceUrl("gateway"),
      headers: bearer(key),
      processes,
      connect: () => env.connect(),
      [Symbol.asyncDispose]: () => env[Symbol.asyncDispose](),
    };
  } catch (err) {
    await env[Symbol.asyncDispose]();
    throw err;
  }
}
