/**
 * Group commit: concurrent requests that each want a small write are gathered into one
 * Postgres transaction, so 64 clients cost a handful of commits instead of 64. A request
 * waits only for the transaction in flight to finish; at most `concurrency` batches run at
 * once. When a batch fails for a reason other than Postgres being unreachable, its items are
 * retried one by one, so one bad item fails alone.
 */
import { dispositionOf } from "../../../shared/mod.ts";

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher<I, O> {
  readonly #write: (items: I[]) => Promise<O[]>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  #queue: Waiting<I, O>[] = [];
  #running = 0;

  constructor(
    write: (items: I[]) => Promise<O[]>,
    options: { maxBatch?: number; concurrency?: number } = {},
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 100;
    this.#concurrency = options.concurrency ?? 2;
  }

  /** Resolves with this item's result once its batch committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#running < this.#concurrency) this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running++;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        await this.#run(batch);
      }
    } finally {
      this.#running--;
    }
  }

  async #run(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.#write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1 || dispositionOf(err) === "hold") {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) await this.#run([w]);
    }
  }
}
