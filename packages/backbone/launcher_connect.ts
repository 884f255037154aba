/**
 * The launcher's connections: NATS and Postgres as the service's own identity, each waiting
 * until what the provision step creates is there (its streams, consumers and buckets; its
 * migrations), and saying what it waits for.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { inboxPrefix, jetstreamNeeds } from "./access.ts";
import { connectPostgres, postgresReady, type Sql, survivePostgresSocketRace } from "./db.ts";
import { errorMessage, UnavailableError } from "./errors.ts";
import type { ReadinessCheck } from "./http/app.ts";
import type { BaseConfig, NatsNeed, NatsRuntime, PostgresNeed } from "./launcher.ts";
import type { Logger } from "./log.ts";
import { BACKBONE_SCOPE, pendingMigrations } from "./migrate.ts";
import { connectNats } from "./nats.ts";
import { missingFromJetStream } from "./provision.ts";
import type { Lifecycle } from "./shutdown.ts";

function requireUrl(value: string | undefined, variable: string): string {
  if (!value) throw new Error(`${variable} is required by this service's declaration`);
  return value;
}

export interface StartContext {
  logger: Logger;
  lifecycle: Lifecycle;
  readiness: Record<string, ReadinessCheck>;
  /** Runs a start-up step until its dependency is there (or shutdown begins). */
  untilAvailable: <R>(step: () => Promise<R>) => Promise<R>;
}

export async function connectNatsParts(
  service: string,
  config: BaseConfig,
  need: NatsNeed,
  { logger, lifecycle, readiness, untilAvailable }: StartContext,
): Promise<NatsRuntime> {
  const nats = await connectNats({
    url: requireUrl(config.NATS_URL, "NATS_URL"),
    name: service,
    logger,
    nkey: config.NATS_NKEY,
    inboxPrefix: inboxPrefix(service),
    tls: {
      caFile: config.NATS_TLS_CA_FILE,
      certFile: config.NATS_TLS_CERT_FILE,
      keyFile: config.NATS_TLS_KEY_FILE,
    },
  });
  lifecycle.defer("nats", async () => {
    await nats.nc.drain().catch(() => nats.nc.close());
  });
  const needs = jetstreamNeeds(need.catalog, need.access);
  await untilAvailable(async () => {
    const missing = await missingFromJetStream(nats.nc, needs);
    if (missing.length > 0) {
      throw new UnavailableError(
        `waiting for ${missing.join(", ")} (created by the provision step: deno task provision)`,
      );
    }
  });
  readiness.nats = () => nats.connected();
  const kvm = new Kvm(nats.nc);
  const objm = new Objm(nats.nc);
  return {
    nats,
    js: jetstream(nats.nc),
    catalog: need.catalog,
    // Direct gets name the key in the subject, which is what key-prefix permissions check.
    kv: (bucket) => kvm.open(bucket, { allow_direct: true }),
    objects: (bucket) => objm.open(bucket),
  };
}

export async function connectPostgresParts(
  service: string,
  config: BaseConfig,
  need: PostgresNeed,
  { logger, lifecycle, readiness, untilAvailable }: StartContext,
): Promise<Sql> {
  survivePostgresSocketRace(logger);
  const sql = connectPostgres({
    url: requireUrl(config.DATABASE_URL, "DATABASE_URL"),
    password: config.DATABASE_PASSWORD,
    name: service,
    max: need.poolSize,
  });
  lifecycle.defer("postgres", () => sql.end({ timeout: 5 }));
  const scopes = [BACKBONE_SCOPE, need.migrations ?? service];
  await untilAvailable(async () => {
    const pending = await pendingMigrations(sql, scopes);
    if (pending.length > 0) {
      throw new UnavailableError(
        `waiting for migrations ${
          pending.join(", ")
        } (applied by the provision step: deno task provision)`,
      );
    }
  });
  const retentionDays = need.inboxRetentionDays ?? 7;
  const prune = setInterval(() => {
    sql`delete from inbox where handled_at < now() - make_interval(days => ${retentionDays})`
      .catch((err) => logger.warn("inbox pruning failed", { error: errorMessage(err) }));
  }, 3600_000);
  lifecycle.defer("inbox pruning", () => clearInterval(prune));
  readiness.postgres = () => postgresReady(sql);
  return sql;
}
