/**
 * The order cache: the KV bucket `orders` is shared by every replica; each replica keeps an
 * in-process mirror fed by a KV watch, so a read is a local lookup. The mirror is bounded:
 * past `maxEntries` the oldest entries leave it and reads of them go to KV.
 */
import type { KV } from "@nats-io/kv";
import { errorMessage, type Logger, type Metrics } from "../../../shared/mod.ts";

export interface OrderCacheOptions {
  kv: KV;
  maxEntries: number;
  logger: Logger;
  metrics?: Metrics;
}

const encoder = new TextEncoder();

export class OrderCache {
  readonly #kv: KV;
  readonly #max: number;
  readonly #log: Logger;
  readonly #mirror = new Map<string, Uint8Array>();
  #warm = false;
  /** Something was left out of the mirror: a miss there says nothing about KV. */
  #truncated = false;
  #stopped = false;
  #watch: { stop(): void } | undefined;
  #running: Promise<void> | undefined;

  constructor(options: OrderCacheOptions) {
    this.#kv = options.kv;
    this.#max = options.maxEntries;
    this.#log = options.logger.child({ component: "order-cache" });
    const gauge = options.metrics?.gauge(
      "orders_cache_mirror_entries",
      "Orders held in this replica's in-process mirror",
    );
    if (gauge) {
      const mirror = this.#mirror;
      // prom-client reads the size at scrape time.
      Object.assign(gauge, { collect: () => gauge.set(mirror.size) });
    }
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

  /** Stores the current version of an order. */
  async put(uid: string, json: string): Promise<void> {
    await this.#kv.put(uid, encoder.encode(json));
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
    this.#running ??= (async () => {
      while (!this.#stopped) {
        try {
          await this.#follow();
        } catch (err) {
          if (this.#stopped) break;
          this.#log.warn("KV watch failed; watching again", { error: errorMessage(err) });
        }
        if (!this.#stopped) await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  /** Watches afresh: after the bucket was created again, the old watch sees nothing. */
  restartWatch(): void {
    this.#watch?.stop();
  }

  async #follow(): Promise<void> {
    const initial = (await this.#kv.status()).values;
    if (initial === 0) this.#markWarm();
    const watch = await this.#kv.watch();
    this.#watch = watch;
    if (this.#stopped) watch.stop();
    for await (const entry of watch) {
      if (entry.operation === "PUT") this.#set(entry.key, entry.value);
      else this.#mirror.delete(entry.key);
      if (!this.#warm && entry.delta === 0) this.#markWarm();
    }
  }

  #markWarm() {
    if (this.#warm) return;
    this.#warm = true;
    this.#log.info("order cache mirror is warm", { entries: this.#mirror.size });
  }

  #set(uid: string, value: Uint8Array) {
    // A copy: the message's bytes may be a view into a much larger read buffer.
    const bytes = value.slice();
    this.#mirror.delete(uid);
    this.#mirror.set(uid, bytes);
    if (this.#mirror.size > this.#max) {
      const oldest = this.#mirror.keys().next().value;
      if (oldest !== undefined) this.#mirror.delete(oldest);
      this.#truncated = true;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watch?.stop();
    await this.#running;
  }
}
