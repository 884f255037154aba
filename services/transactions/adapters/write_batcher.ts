/**
 * Group commit: concurrent requests that each want a small write are gathered into one
 * Postgres transaction, so 64 clients cost a handful of commits instead of 64. A request
 * waits only for the transaction in flight to finish; at most `concurrency` batches run at
 * once. When a batch fails for a reason other than Postgres being unreachable, its items are
 * retried one by one, so one bad item fails alone.
 *
 * With `admission`, items are written only while there is room downstream (see Admission):
 * the rest wait in the queue, oldest first, and an item that has waited `maxWaitMs` is
 * written anyway.
 */
import { dispositionOf } from "../../../shared/mod.ts";

/**
 * Backpressure from whatever processes the written items next. Waiting at the door keeps the
 * work in progress, and with it the time each item spends in progress, bounded when items
 * arrive faster than they are finished.
 */
export interface Admission {
  /** How many more items may be written now; zero or less when there is no room. */
  room(): Promise<number>;
  /** Longest an item waits for room; then it is written anyway (a soft limit, never a refusal). */
  maxWaitMs: number;
  /** How often room is asked again while there is none. */
  pollMs: number;
}

interface Waiting<I, O> {
  item: I;
  since: number;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher<I, O> {
  readonly #write: (items: I[]) => Promise<O[]>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #admission: Admission | undefined;
  #queue: Waiting<I, O>[] = [];
  #running = 0;
  /** Items in batches being written: not yet visible to `admission.room()`. */
  #writing = 0;

  constructor(
    write: (items: I[]) => Promise<O[]>,
    options: { maxBatch?: number; concurrency?: number; admission?: Admission } = {},
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 100;
    this.#concurrency = options.concurrency ?? 2;
    this.#admission = options.admission;
  }

  /** Resolves with this item's result once its batch committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, since: performance.now(), resolve, reject });
      if (this.#running < this.#concurrency) this.#drain();
    });
  }

  /** Items waiting to be written. */
  get waiting(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    this.#running++;
    try {
      while (this.#queue.length > 0) {
        const answer = this.#admission ? await this.#room() : undefined;
        // From here to the splice nothing awaits: the other drain cannot take the same room.
        const take = this.#admit(answer);
        if (take === 0) {
          if (this.#queue.length > 0) {
            await new Promise((r) => setTimeout(r, this.#admission!.pollMs));
          }
          continue;
        }
        const batch = this.#queue.splice(0, take);
        this.#writing += batch.length;
        try {
          await this.#run(batch);
        } finally {
          this.#writing -= batch.length;
          this.#written += batch.length;
        }
      }
    } finally {
      this.#running--;
    }
  }

  /** Items whose write finished (committed or failed), ever: tells a count that raced one. */
  #written = 0;
  /** The room question in flight: drains asking at the same moment share one answer. */
  #asking: Promise<{ room: number; writtenBefore: number }> | undefined;

  /** Asks for room downstream; drains asking at the same moment share one answer. */
  #room(): Promise<{ room: number; writtenBefore: number }> {
    const admission = this.#admission!;
    this.#asking ??= (async () => {
      const writtenBefore = this.#written;
      try {
        return { room: await admission.room(), writtenBefore };
      } catch {
        // Cannot tell: let the write itself succeed or fail.
        return { room: Number.POSITIVE_INFINITY, writtenBefore };
      } finally {
        this.#asking = undefined;
      }
    })();
    return this.#asking;
  }

  /**
   * How many of the queued items to write now; synchronous, so what it reads of this batcher
   * is current. The answer's room is reduced by what is being written and by what finished
   * while it was counted (which the count may or may not include): room is never overstated.
   */
  #admit(answer: { room: number; writtenBefore: number } | undefined): number {
    const admission = this.#admission;
    let allowed = this.#maxBatch;
    if (admission && answer) {
      const room = answer.room - this.#writing - (this.#written - answer.writtenBefore);
      const deadline = performance.now() - admission.maxWaitMs;
      let overdue = 0;
      while (overdue < this.#queue.length && this.#queue[overdue].since <= deadline) overdue++;
      allowed = Math.max(room, overdue);
    }
    return Math.max(0, Math.min(this.#maxBatch, this.#queue.length, allowed));
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
