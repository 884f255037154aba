/** The orders service's background parts: the cache's watch and the refill check. */
import { Loop, type Worker } from "@flotilla/backbone";
import type { OrderCache } from "./adapters/order_cache.ts";
import { type RefillDeps, refillIfEmpty } from "./commands/refill_cache.ts";

/** The mirror follows the KV bucket from start to stop. */
export function cacheWorker(cache: OrderCache): Worker {
  return { name: "order cache", start: () => cache.start(), stop: () => cache.stop() };
}

/** Checks at once and then every `intervalMs` whether the bucket must be refilled. */
export function refillWorker(deps: RefillDeps & { intervalMs: number }): Worker {
  const loop = new Loop({
    name: "order cache refill",
    logger: deps.logger,
    idleMs: deps.intervalMs,
    retry: { baseMs: deps.intervalMs, maxMs: deps.intervalMs },
    pass: async () => {
      await refillIfEmpty(deps);
      return false;
    },
  });
  return { name: loop.name, start: () => loop.start(), stop: () => loop.stop() };
}
