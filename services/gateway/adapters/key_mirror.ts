/**
 * The API keys, mirrored in process from their KV bucket by a watch: checking a key is a map
 * lookup and a SHA-256. A key the mirror has not seen yet (created a moment ago) is read from
 * the bucket once. A revocation reaches every replica within the watch's delay. When a key was
 * last used is written back at most once a minute per key, compare-and-set, so it never undoes
 * a revocation.
 */
import type { KV } from "@nats-io/kv";
import {
  apiKeyId,
  apiKeyMatches,
  type ApiKeyRecord,
  decodeApiKeyRecord,
  errorMessage,
  findApiKey,
  followKv,
  type KvFollower,
  type Logger,
  type Principal,
  touchApiKey,
  UnauthorizedError,
  type Worker,
} from "@flotilla/backbone";

export interface KeyMirrorOptions {
  kv: KV;
  logger: Logger;
  /** How often a key's last use is written back, at most. */
  touchIntervalMs?: number;
  /** How long start() waits for the mirror to catch up before serving anyway. */
  warmTimeoutMs?: number;
}

interface Entry {
  record: ApiKeyRecord;
  revision: number;
}

const INVALID = 'Bearer realm="flotilla", error="invalid_token"';

export class KeyMirror implements Worker {
  readonly name = "api-key mirror";
  readonly #kv: KV;
  readonly #log: Logger;
  readonly #touchIntervalMs: number;
  readonly #warmTimeoutMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #touched = new Map<string, number>();
  #warm = false;
  #onWarm: (() => void) | undefined;
  #follower: KvFollower | undefined;

  constructor(options: KeyMirrorOptions) {
    this.#kv = options.kv;
    this.#log = options.logger.child({ component: "api-key-mirror" });
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.#warmTimeoutMs = options.warmTimeoutMs ?? 10_000;
  }

  get warm(): boolean {
    return this.#warm;
  }

  /** The principal of an API key; an UnauthorizedError for an unknown, wrong or revoked one. */
  async authenticate(key: string): Promise<Principal> {
    const id = apiKeyId(key);
    if (id === undefined) throw new UnauthorizedError("Malformed API key", INVALID);
    const entry = this.#entries.get(id) ?? await this.#fetch(id);
    if (!entry || !apiKeyMatches(entry.record, key)) {
      throw new UnauthorizedError("Unknown API key", INVALID);
    }
    const { record } = entry;
    if (record.revoked_at) {
      throw new UnauthorizedError(`API key ${id} was revoked at ${record.revoked_at}`, INVALID);
    }
    this.#touch(entry);
    const principal: Principal = { type: "key", id, name: record.name, scopes: record.scopes };
    if (record.user !== undefined) principal.user = record.user;
    return principal;
  }

  async #fetch(id: string): Promise<Entry | undefined> {
    try {
      const found = await findApiKey(this.#kv, id);
      if (found) this.#entries.set(id, found);
      return found;
    } catch (err) {
      this.#log.warn("API key lookup failed", { key_id: id, error: errorMessage(err) });
      return undefined;
    }
  }

  #touch({ record, revision }: Entry): void {
    const now = Date.now();
    const last = this.#touched.get(record.id) ??
      (record.last_used_at ? Date.parse(record.last_used_at) : 0);
    if (now - last < this.#touchIntervalMs) return;
    this.#touched.set(record.id, now);
    touchApiKey(this.#kv, record, revision, new Date(now)).catch((err) =>
      this.#log.warn("could not record an API key's use", { key_id: record.id, error: String(err) })
    );
  }

  /** Starts the watch and waits (a bounded time) until the mirror holds every key. */
  async start(): Promise<void> {
    const warm = new Promise<void>((resolve) => this.#onWarm = resolve);
    this.#follower ??= followKv(this.#kv, {
      onEntry: (entry) => {
        this.#entries.delete(entry.key);
        if (entry.operation !== "PUT") return;
        try {
          const record = decodeApiKeyRecord(entry.value);
          this.#entries.set(entry.key, { record, revision: entry.revision });
        } catch (err) {
          this.#log.error("unreadable API key record", { key_id: entry.key, error: String(err) });
        }
      },
      onCaughtUp: () => this.#markWarm(),
      logger: this.#log,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = await Promise.race([
      warm.then(() => true),
      new Promise<boolean>((r) => timer = setTimeout(() => r(false), this.#warmTimeoutMs)),
    ]);
    clearTimeout(timer);
    if (!waited) this.#log.warn("serving before the API key mirror caught up");
  }

  #markWarm(): void {
    if (this.#warm) return;
    this.#warm = true;
    this.#log.info("API key mirror is warm", { keys: this.#entries.size });
    this.#onWarm?.();
  }

  async stop(): Promise<void> {
    await this.#follower?.stop();
  }
}
