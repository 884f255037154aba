/**
 * The order cache: the KV bucket `orders` is shared by every replica; each replica keeps an
 * in-process mirror fed by a KV watch, so a read is a local lookup. The mirror is bounded:
 * past `maxEntries` the oldest entries leave it and reads of them go to KV.
 */
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport";
import {
  errorMessage,
  followKv,
  type KvFollower,
  type Logger,
  type Metrics,
  newInbox,
} from "@flotilla/backbone";

export interface OrderCacheOptions {
  kv: KV;
  /** For pipelined batch puts; the bucket's name is `bucket`. */
  nc: NatsConnection;
  bucket: string;
  /** How long a batch of puts may wait for JetStream's acknowledgements. */
  putTimeoutMs?: number;
  maxEntries: number;
  logger: Logger;
  metrics?: Metrics;
}

const encoder = new TextEncoder();

export class OrderCache {
  readonly #kv: KV;
  readonly #nc: NatsConnection;
  readonly #subjectPrefix: string;
  readonly #putTimeoutMs: number;
  readonly #max: number;
  readonly #log: Logger;
  readonly #mirror = new Map<string, Uint8Array>();
  #bytes = 0;
  #warm = false;
  /** Something was left out of the mirror: a miss there says nothing about KV. */
  #truncated = false;
  #follower: KvFollower | undefined;

  constructor(options: OrderCacheOptions) {
    this.#kv = options.kv;
    this.#nc = options.nc;
    this.#subjectPrefix = `$KV.${options.bucket}.`;
    this.#putTimeoutMs = options.putTimeoutMs ?? 10_000;
    this.#max = options.maxEntries;
    this.#log = options.logger.child({ component: "order-cache" });
    const entries = options.metrics?.gauge(
      "orders_cache_mirror_entries",
      "Orders held in this replica's in-process mirror",
    );
    const bytes = options.metrics?.gauge(
      "orders_cache_mirror_bytes",
      "Bytes of order JSON held in this replica's in-process mirror",
    );
    // prom-client reads these at scrape time.
    if (entries) Object.assign(entries, { collect: () => entries.set(this.#mirror.size) });
    if (bytes) Object.assign(bytes, { collect: () => bytes.set(this.#bytes) });
  }

  /** True once the mirror has caught up with the bucket. */
  get warm(): boolean {
    return this.#warm;
  }

  get size(): number {
    return this.#mirror.size;
  }

  /** A miss in a warm, complete mirror means the bucket has no such key either. */
  get complete(): boolean {
    return this.#warm && !this.#truncated;
  }

  /** The order's JSON from the mirror, if it holds it. */
  local(uid: string): Uint8Array | undefined {
    return this.#mirror.get(uid);
  }

  /** The order's JSON from the bucket. */
  async remote(uid: string): Promise<Uint8Array | undefined> {
    const entry = await this.#kv.get(uid);
    return entry && entry.operation === "PUT" && entry.value.length > 0 ? entry.value : undefined;
  }

  /**
   * Stores many orders at once and resolves when JetStream has acknowledged every one. The
   * puts are pipelined on one reply subscription: `kv.put` costs a promise, a timer and a
   * subscription entry each, about ten times the CPU of this for a batch of a thousand.
   * Throws if any put fails, has no stream behind it, or is not acknowledged in time.
   */
  putMany(entries: { uid: string; json: string }[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const inbox = newInbox(this.#nc);
    let waiting = entries.length;
    const failures: string[] = [];
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        sub.unsubscribe();
        if (failures.length > 0) {
          reject(
            new Error(`${failures.length} KV puts failed: ${failures.slice(0, 3).join("; ")}`),
          );
        } else if (waiting > 0) {
          reject(new Error(`${waiting} KV puts not acknowledged in ${this.#putTimeoutMs} ms`));
        } else resolve();
      };
      const timer = setTimeout(finish, this.#putTimeoutMs);
      const sub = this.#nc.subscribe(`${inbox}.*`, {
        callback: (err, msg) => {
          if (err) failures.push(errorMessage(err));
          else if (msg.headers?.hasError) {
            failures.push(`${msg.headers.code} ${msg.headers.description || "no stream"}`);
          } else {
            try {
              const ack = msg.json<{ seq?: number; error?: { description?: string } }>();
              if (ack.error || typeof ack.seq !== "number") {
                failures.push(ack.error?.description ?? "no acknowledgement");
              }
            } catch {
              failures.push("unreadable acknowledgement");
            }
          }
          if (--waiting === 0) finish();
        },
      });
      entries.forEach(({ uid, json }, i) => {
        this.#nc.publish(this.#subjectPrefix + uid, encoder.encode(json), {
          reply: `${inbox}.${i}`,
        });
      });
    });
  }

  /** Stores an order only if the bucket has none under its id (refills never clobber news). */
  async fill(uid: string, json: string): Promise<boolean> {
    try {
      await this.#kv.create(uid, encoder.encode(json));
      return true;
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(errorMessage(err))) return false;
      throw err;
    }
  }

  /** Number of live keys in the bucket (0 after a purge). */
  async bucketSize(): Promise<number> {
    return (await this.#kv.status()).values;
  }

  /** Starts mirroring; a watch that ends (NATS trouble, bucket recreated) is started again. */
  start(): void {
    this.#follower ??= followKv(this.#kv, {
      onEntry: (entry) => {
        if (entry.operation === "PUT") this.#set(entry.key, entry.value);
        else this.#delete(entry.key);
      },
      onCaughtUp: () => this.#markWarm(),
      logger: this.#log,
    });
  }

  /** Watches afresh: after the bucket was created again, the old watch sees nothing. */
  restartWatch(): void {
    this.#follower?.restart();
  }

  #markWarm() {
    if (this.#warm) return;
    this.#warm = true;
    this.#log.info("order cache mirror is warm", { entries: this.#mirror.size });
  }

  #set(uid: string, value: Uint8Array) {
    // A copy: the message's bytes may be a view into a much larger read buffer.
    const bytes = value.slice();
    this.#delete(uid);
    this.#mirror.set(uid, bytes);
    this.#bytes += bytes.length;
    if (this.#mirror.size > this.#max) {
      const oldest = this.#mirror.keys().next().value;
      if (oldest !== undefined) this.#delete(oldest);
      this.#truncated = true;
    }
  }

  #delete(uid: string) {
    const old = this.#mirror.get(uid);
    if (old) {
      this.#bytes -= old.length;
      this.#mirror.delete(uid);
    }
  }

  async stop(): Promise<void> {
    await this.#follower?.stop();
  }
}
