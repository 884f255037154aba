/**
 * Following a KV bucket for as long as a process runs: every key's latest value, then every
 * change. The in-process mirrors (the order cache, the API keys) are built on it.
 */
import type { KV, KvWatchEntry } from "@nats-io/kv";
import { errorMessage } from "./errors.ts";
import type { Logger } from "./log.ts";

export interface KvFollowOptions {
  /** Each entry: a PUT, or a DEL/PURGE of its key. */
  onEntry(entry: KvWatchEntry): void;
  /** Once the values there were at the start are in (at once for an empty bucket). */
  onCaughtUp(): void;
  logger: Logger;
}

export interface KvFollower {
  /** Ends the current watch; the next one starts afresh (after the bucket was made anew). */
  restart(): void;
  stop(): Promise<void>;
}

/** Starts following `kv`; a watch that ends (NATS trouble) is started again after a pause. */
export function followKv(kv: KV, options: KvFollowOptions): KvFollower {
  let stopped = false;
  let watch: Awaited<ReturnType<KV["watch"]>> | undefined;
  const follow = async () => {
    if ((await kv.status()).values === 0) options.onCaughtUp();
    const current = watch = await kv.watch();
    if (stopped) current.stop();
    for await (const entry of current) {
      options.onEntry(entry);
      if (entry.delta === 0) options.onCaughtUp();
    }
  };
  const running = (async () => {
    while (!stopped) {
      try {
        await follow();
      } catch (err) {
        if (stopped) break;
        options.logger.warn("KV watch failed; watching again", { error: errorMessage(err) });
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    restart: () => watch?.stop(),
    async stop() {
      stopped = true;
      watch?.stop();
      await running;
    },
  };
}
