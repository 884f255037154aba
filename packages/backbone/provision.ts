/**
 * Makes JetStream match the catalog. Idempotent: a second run changes nothing; a changed
 * limit on an existing stream updates it in place.
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport";
import type { JetStreamNeed } from "./access.ts";
import type { Catalog, ConsumerSpec, StreamSpec } from "./catalog.ts";
import { errorMessage } from "./errors.ts";
import type { Logger } from "./log.ts";

const ms = (n: number) => n * 1_000_000; // JetStream durations are nanoseconds

export interface ProvisionReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

export function streamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    description: spec.description,
    retention: spec.retention === "workqueue"
      ? RetentionPolicy.Workqueue
      : spec.retention === "interest"
      ? RetentionPolicy.Interest
      : RetentionPolicy.Limits,
    storage: spec.storage === "memory" ? StorageType.Memory : StorageType.File,
    max_age: ms(spec.maxAgeMs ?? 0),
    max_bytes: spec.maxBytes ?? -1,
    max_msg_size: spec.maxMsgSize ?? -1,
    duplicate_window: ms(spec.duplicateWindowMs ?? 120_000),
    num_replicas: spec.replicas ?? 1,
    ...(spec.appendOnly ? { deny_delete: true, deny_purge: true } : {}),
  };
}

export function consumerConfig(spec: ConsumerSpec) {
  return {
    durable_name: spec.durable,
    description: spec.description,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: ms(spec.ackWaitMs ?? 30_000),
    // The runtime counts deliveries and dead-letters; the server must never drop silently.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending ?? 1_000,
  };
}

/** The keys of `want` whose values the server's `have` does not hold. */
function differs(want: Record<string, unknown>, have: object): string[] {
  const held = new Map(Object.entries(have));
  return Object.entries(want)
    .filter(([key, value]) =>
      value !== undefined && JSON.stringify(value) !== JSON.stringify(held.get(key))
    )
    .map(([key]) => key);
}

/** Which of `needs` JetStream does not have yet. Only looks: services cannot create. */
export async function missingFromJetStream(
  nc: NatsConnection,
  needs: JetStreamNeed[],
): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const missing: string[] = [];
  for (const need of needs) {
    try {
      if (need.durable) await jsm.consumers.info(need.stream, need.durable);
      else await jsm.streams.info(need.stream);
    } catch (err) {
      if (!/not found/i.test(errorMessage(err))) throw err;
      missing.push(need.label);
    }
  }
  return missing;
}

export async function provision(
  nc: NatsConnection,
  catalog: Catalog,
  logger?: Logger,
): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], updated: [], unchanged: [] };
  const jsm = await jetstreamManager(nc);
  for (const spec of catalog.streams) {
    const want = streamConfig(spec);
    const info = await jsm.streams.info(spec.name).catch(() => null);
    if (!info) {
      await jsm.streams.add(want);
      report.created.push(`stream ${spec.name}`);
      continue;
    }
    const changed = differs(want, info.config);
    // Retention and storage cannot change in place; everything else we manage can.
    const fixed = changed.filter((k) => k === "retention" || k === "storage");
    if (fixed.length > 0) {
      throw new Error(
        `Stream ${spec.name}: ${
          fixed.join(", ")
        } differ from the catalog and cannot be changed in place`,
      );
    }
    if (changed.length > 0) {
      await jsm.streams.update(spec.name, { ...info.config, ...want });
      report.updated.push(`stream ${spec.name} (${changed.join(", ")})`);
    } else {
      report.unchanged.push(`stream ${spec.name}`);
    }
  }
  for (const spec of catalog.consumers) {
    const want = consumerConfig(spec);
    const info = await jsm.consumers.info(spec.stream, spec.durable).catch(() => null);
    if (!info) {
      await jsm.consumers.add(spec.stream, want);
      report.created.push(`consumer ${spec.stream}/${spec.durable}`);
      continue;
    }
    const changed = differs(want, info.config);
    if (changed.length > 0) {
      await jsm.consumers.update(spec.stream, spec.durable, {
        description: want.description,
        ack_wait: want.ack_wait,
        max_deliver: want.max_deliver,
        max_ack_pending: want.max_ack_pending,
        filter_subject: want.filter_subject,
      });
      report.updated.push(`consumer ${spec.stream}/${spec.durable} (${changed.join(", ")})`);
    } else {
      report.unchanged.push(`consumer ${spec.stream}/${spec.durable}`);
    }
  }
  const kvm = new Kvm(nc);
  for (const spec of catalog.kv) {
    const existing = await jsm.streams.info(`KV_${spec.bucket}`).catch(() => null);
    await kvm.create(spec.bucket, {
      description: spec.description,
      history: spec.history ?? 1,
      ttl: spec.ttlMs ?? 0,
      max_bytes: spec.maxBytes ?? -1,
    });
    const name = `kv ${spec.bucket}`;
    if (!existing) report.created.push(name);
    else {
      const want = { max_age: ms(spec.ttlMs ?? 0), max_msgs_per_subject: spec.history ?? 1 };
      const changed = differs(want, existing.config);
      if (changed.length > 0) {
        await jsm.streams.update(`KV_${spec.bucket}`, { ...existing.config, ...want });
        report.updated.push(`${name} (${changed.join(", ")})`);
      } else report.unchanged.push(name);
    }
  }
  const objm = new Objm(nc);
  for (const spec of catalog.objects) {
    const existing = await jsm.streams.info(`OBJ_${spec.bucket}`).catch(() => null);
    await objm.create(spec.bucket, {
      description: spec.description,
      max_bytes: spec.maxBytes ?? -1,
    });
    (existing ? report.unchanged : report.created).push(`object store ${spec.bucket}`);
  }
  logger?.info("provisioned JetStream", {
    created: report.created.length,
    updated: report.updated,
    unchanged: report.unchanged.length,
  });
  return report;
}
