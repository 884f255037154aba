/**
 * What one service may touch, declared once (packages/contracts declares the fleet's), and
 * everything derived from it: the NATS subjects it may publish and subscribe to, the JetStream
 * resources it waits for at start, and its database privileges. The subjects are those the
 * nats.js v3 client uses for each operation (read off nats-server's trace):
 * - a JetStream publish: the subject, the ack on the connection's reply inbox;
 * - a durable pull consumer: `$JS.API.CONSUMER.INFO|MSG.NEXT.<stream>.<durable>`, acks (and
 *   nak, term, working) on `$JS.ACK.<stream>.<durable>.>`, dead letters on
 *   `dlq.<stream>.<durable>.<class>`; the metrics sampler reads the same consumer info (lag) and
 *   `$JS.API.STREAM.INFO.DLQ` (the dead letters' count per subject, its own durables' subjects);
 * - KV: direct gets `$JS.API.DIRECT.GET.KV_<b>.$KV.<b>.<key>` (the key is in the subject, so
 *   a key prefix can be enforced), writes `$KV.<b>.<key>`, status `$JS.API.STREAM.INFO.KV_<b>`,
 *   a watch an ordered consumer `$JS.API.CONSUMER.CREATE.KV_<b>.…` with flow control;
 * - an object store: `$JS.API.INFO`, stream info and message gets on `OBJ_<b>`, `$O.<b>.>`,
 *   ordered consumers for reads, and a purge of the object's chunks for a delete.
 * Replies arrive on `_INBOX.<service>.>`: the launcher connects with that inbox prefix.
 */
import type { Catalog, StreamSpec } from "./catalog.ts";
import { consumerSpec, subjectMatches, subjectOf } from "./catalog.ts";
import { deadLettersOf, DLQ_STREAM } from "./dead_letter.ts";

export type TablePrivilege = "select" | "insert" | "update" | "delete";
export const READ_WRITE: readonly TablePrivilege[] = ["select", "insert", "update", "delete"];

/** A secret the service is given as a file; dev and the test kit generate it. */
export type SecretKind = "hmac-key" | "ed25519-key" | "password";

export interface KvAccess {
  bucket: string;
  /** The keys it may read and write, as a subject pattern (`accounts.>`); all when absent. */
  keys?: string;
  /** It follows the bucket with a watch (an ordered consumer of its own). */
  watch?: boolean;
  /** It may create the bucket when it is gone (a cache it refills itself). */
  create?: boolean;
}

export interface ServiceAccess {
  service: string;
  /** Event types it emits (through its outbox). */
  publishes?: string[];
  /** Subjects it publishes to directly, outside the catalog's events. */
  subjects?: string[];
  /** Durable consumers it pulls from. */
  consumes?: { stream: string; durable: string }[];
  /** Streams it reads from the start with ordered consumers of its own. */
  reads?: string[];
  kv?: KvAccess[];
  /** Object buckets it reads and writes. */
  objects?: string[];
  /**
   * Its own database: its runtime role reads and writes every table (select, insert, update,
   * delete) except those named here, which get exactly the privileges listed.
   */
  database?: { tables?: Record<string, readonly TablePrivilege[]> };
  /** Secrets it is configured with (`<VARIABLE>_FILE`), by variable and kind. */
  secrets?: Record<string, SecretKind>;
}

export function defineAccess(access: ServiceAccess): ServiceAccess {
  return access;
}

/** The reply-inbox prefix of a service's connection; only it may subscribe below it. */
export function inboxPrefix(service: string): string {
  return `_INBOX.${service}`;
}

/** The service's database (one per service, named after it). */
export function databaseName(service: string): string {
  return service.replaceAll("-", "_");
}

export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
}

const API = "$JS.API";

/** The subjects a service may publish and subscribe to, derived from its access and the catalog. */
export function natsPermissions(catalog: Catalog, access: ServiceAccess): SubjectPermissions {
  checkAccess(catalog, access);
  const publish = new Set<string>();
  const add = (...subjects: string[]) => subjects.forEach((s) => publish.add(s));
  for (const type of access.publishes ?? []) add(subjectOf(catalog, type, access.service));
  add(...access.subjects ?? []);
  for (const { stream, durable } of access.consumes ?? []) {
    add(
      `${API}.CONSUMER.INFO.${stream}.${durable}`,
      `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      `$JS.ACK.${stream}.${durable}.>`,
      deadLettersOf(stream, durable),
      `${API}.STREAM.INFO.${DLQ_STREAM}`,
    );
  }
  for (const stream of access.reads ?? []) add(...orderedReads(stream));
  for (const kv of access.kv ?? []) {
    const stream = `KV_${kv.bucket}`;
    const keys = `$KV.${kv.bucket}.${kv.keys ?? ">"}`;
    add(`${API}.STREAM.INFO.${stream}`, `${API}.DIRECT.GET.${stream}.${keys}`, keys);
    if (kv.watch) add(...orderedReads(stream));
    if (kv.create) add(`${API}.INFO`, `${API}.STREAM.CREATE.${stream}`);
  }
  for (const bucket of access.objects ?? []) {
    const stream = `OBJ_${bucket}`;
    add(
      `${API}.INFO`,
      `${API}.STREAM.MSG.GET.${stream}`,
      `${API}.STREAM.PURGE.${stream}`,
      `$O.${bucket}.>`,
      ...orderedReads(stream),
    );
  }
  for (const stream of streamsPublishedTo(catalog, access)) {
    add(`${API}.STREAM.INFO.${stream.name}`);
  }
  return {
    publish: [...publish].sort(),
    subscribe: [`${inboxPrefix(access.service)}.>`],
  };
}

/** An ordered consumer of its own on `stream`: create, info, and flow control. */
function orderedReads(stream: string): string[] {
  return [
    `${API}.STREAM.INFO.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.INFO.${stream}.>`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** The streams that store what the service publishes. */
export function streamsPublishedTo(catalog: Catalog, access: ServiceAccess): StreamSpec[] {
  const subjects = [
    ...(access.publishes ?? []).map((t) => subjectOf(catalog, t, access.service)),
    ...(access.subjects ?? []),
    ...(access.consumes ?? []).map((c) => deadLettersOf(c.stream, c.durable)),
  ];
  return catalog.streams.filter((s) =>
    subjects.some((subject) => s.subjects.some((pattern) => subjectMatches(pattern, subject)))
  );
}

/** Throws when the access names something the catalog does not declare. */
export function checkAccess(catalog: Catalog, access: ServiceAccess): void {
  const has = (list: { name?: string; bucket?: string }[], name: string) =>
    list.some((x) => (x.name ?? x.bucket) === name);
  const where = `Access of ${access.service}`;
  for (const type of access.publishes ?? []) {
    if (!catalog.events[type]) throw new Error(`${where}: event ${type} is not in the catalog`);
  }
  for (const c of access.consumes ?? []) consumerSpec(catalog, c.stream, c.durable);
  for (const s of access.reads ?? []) {
    if (!has(catalog.streams, s)) throw new Error(`${where}: stream ${s} is not in the catalog`);
  }
  for (const k of access.kv ?? []) {
    if (!has(catalog.kv, k.bucket)) {
      throw new Error(`${where}: kv ${k.bucket} is not in the catalog`);
    }
  }
  for (const o of access.objects ?? []) {
    if (!has(catalog.objects, o)) {
      throw new Error(`${where}: object bucket ${o} is not in the catalog`);
    }
  }
}

/** Something that must exist in JetStream before a service can run. */
export interface JetStreamNeed {
  /** How to name it to a person: `consumer TRANSACTIONS/accounts-transfers`, `kv orders`. */
  label: string;
  stream: string;
  durable?: string;
}

/** What the service waits for at start (what it may create itself is not among them). */
export function jetstreamNeeds(catalog: Catalog, access: ServiceAccess): JetStreamNeed[] {
  const stream = (kind: string, name: string, streamName = name) => ({
    label: `${kind} ${name}`,
    stream: streamName,
  });
  return [
    ...streamsPublishedTo(catalog, access).map((s) => stream("stream", s.name)),
    ...(access.reads ?? []).map((s) => stream("stream", s)),
    ...(access.consumes ?? []).map((c) => ({
      label: `consumer ${c.stream}/${c.durable}`,
      stream: c.stream,
      durable: c.durable,
    })),
    ...(access.kv ?? []).filter((k) => !k.create).map((k) =>
      stream("kv", k.bucket, `KV_${k.bucket}`)
    ),
    ...(access.objects ?? []).map((o) => stream("object store", o, `OBJ_${o}`)),
  ];
}
