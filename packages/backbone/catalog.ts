/**
 * The catalog declares every stream, durable consumer, KV bucket, object bucket and event
 * type of the fleet. Provisioning (`provision.ts`) makes NATS match it; the consumer runtime
 * and the outbox look up event schemas and subjects here.
 */
import type { z } from "zod";

export interface StreamSpec {
  name: string;
  subjects: string[];
  description: string;
  retention?: "limits" | "workqueue" | "interest";
  storage?: "file" | "memory";
  /** Milliseconds; 0 keeps messages forever. */
  maxAgeMs?: number;
  maxBytes?: number;
  maxMsgSize?: number;
  /** Window for `Nats-Msg-Id` de-duplication, milliseconds. */
  duplicateWindowMs?: number;
  replicas?: number;
  /** Append-only: JetStream refuses to delete or purge its messages (set at creation). */
  appendOnly?: boolean;
}

export interface ConsumerSpec {
  stream: string;
  durable: string;
  description: string;
  /** One subject (nats-server 2.9 supports only one filter per consumer). */
  filterSubject?: string;
  ackWaitMs?: number;
  /** Deliveries the runtime allows before it dead-letters; the server itself never gives up. */
  maxDeliveries?: number;
  maxAckPending?: number;
  /** Backoff for `nak(delay)`: base and cap, milliseconds. */
  backoff?: { baseMs: number; maxMs: number };
}

export interface KvSpec {
  bucket: string;
  description: string;
  history?: number;
  /** Milliseconds; entries older than this vanish. */
  ttlMs?: number;
  maxBytes?: number;
}

export interface ObjectBucketSpec {
  bucket: string;
  description: string;
  maxBytes?: number;
}

export interface EventSpec {
  /**
   * The NATS subject it is published on; the event type itself by default. A function names a
   * subject per publishing service (its `source`), so permissions can tell publishers apart.
   */
  subject?: string | ((source: string) => string);
  /** Validates `data`. */
  schema: z.ZodType;
  description?: string;
}

export interface Catalog {
  streams: StreamSpec[];
  consumers: ConsumerSpec[];
  kv: KvSpec[];
  objects: ObjectBucketSpec[];
  events: Record<string, EventSpec>;
}

export function defineCatalog(part: Partial<Catalog>): Catalog {
  return {
    streams: part.streams ?? [],
    consumers: part.consumers ?? [],
    kv: part.kv ?? [],
    objects: part.objects ?? [],
    events: part.events ?? {},
  };
}

/** Merges catalog parts; a name declared twice is a mistake and throws. */
export function mergeCatalogs(...parts: Catalog[]): Catalog {
  const merged = defineCatalog({});
  const seen = new Set<string>();
  const claim = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    if (seen.has(key)) throw new Error(`Catalog declares ${kind} "${name}" twice`);
    seen.add(key);
  };
  for (const part of parts) {
    for (const s of part.streams) claim("stream", s.name), merged.streams.push(s);
    for (const c of part.consumers) {
      claim("consumer", `${c.stream}/${c.durable}`), merged.consumers.push(c);
    }
    for (const k of part.kv) claim("kv", k.bucket), merged.kv.push(k);
    for (const o of part.objects) claim("object", o.bucket), merged.objects.push(o);
    for (const [type, spec] of Object.entries(part.events)) {
      claim("event", type);
      merged.events[type] = spec;
    }
  }
  return merged;
}

/** The subject an event of `type` from `source` is published on. */
export function subjectOf(catalog: Catalog, type: string, source?: string): string {
  const spec = catalog.events[type];
  if (!spec) throw new Error(`Event type "${type}" is not in the catalog`);
  if (typeof spec.subject !== "function") return spec.subject ?? type;
  if (source === undefined) throw new Error(`Event type "${type}" needs its source for a subject`);
  return spec.subject(source);
}

export function consumerSpec(catalog: Catalog, stream: string, durable: string): ConsumerSpec {
  const spec = catalog.consumers.find((c) => c.stream === stream && c.durable === durable);
  if (!spec) throw new Error(`Consumer ${stream}/${durable} is not in the catalog`);
  return spec;
}

/** Does a NATS subject match a pattern with `*` and `>` wildcards? */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
