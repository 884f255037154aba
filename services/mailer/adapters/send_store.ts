/**
 * What senders read and write per message, batched: concurrent senders share one query to load
 * their messages and one to mark them sent (each still waits for its own row to commit).
 */
import type { Sql } from "@flotilla/backbone";
import { Batch } from "./batch.ts";
import { loadSendJobs, markSentMany, type SendJob } from "./repo.ts";

export interface SendStore {
  load(id: number): Promise<SendJob | undefined>;
  sent(id: number, at: Date, attempted: boolean): Promise<void>;
}

export function sendStore(sql: Sql, options: { maxSize?: number; maxWaitMs?: number } = {}) {
  const loads = new Batch<number, SendJob | undefined>(
    async (ids) => {
      const jobs = await loadSendJobs(sql, [...new Set(ids)]);
      return ids.map((id) => jobs.get(id));
    },
    options.maxSize,
    options.maxWaitMs,
  );
  const sents = new Batch<{ id: number; at: Date; attempted: boolean }, void>(
    async (items) => {
      await markSentMany(sql, items);
      return items.map(() => undefined);
    },
    options.maxSize,
    options.maxWaitMs,
  );
  return {
    load: (id: number) => loads.add(id),
    sent: (id: number, at: Date, attempted: boolean) => sents.add({ id, at, attempted }),
  } satisfies SendStore;
}
