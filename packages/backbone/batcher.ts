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
import { dispositionOf } from "./disposition.ts";

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

export class Batcher<I, O> {
  readonly #write: (items: I[]) => Promise<O[]>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #admission: Admission | undefined;
  #queue: Waiting<I, O>[] = [];
  #running = 0;
  /** Items being written: not yet (or not surely) visible to `admission.room()`. */
  #writing = 0;
  /** Items whose write finished (committed or failed), ever: tells a count that raced one. */
  #written = 0;
  /** The room question in flight: drains asking at the same moment share one answer. */
  #asking: Promise<Answer> | undefined;

  constructor(
    write: (items: I[]) => Promise<O[]>,
    options: { maxBatch?: number; concurrency?: number; admission?: Admission } = {},
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 100;
    this.#concurrency = options.concurrency ?? 2;
    this.#admission = options.admission;
    for (
      const [name, value] of [["maxBatch", this.#maxBatch], ["concurrency", this.#concurrency]]
    ) {
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new RangeError(`Batcher ${name} must be an integer ≥ 1, got ${value}`);
      }
    }
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
        const answer = this.#admission ? await this.#room(this.#admission) : undefined;
        // From here to the splice nothing awaits: the other drain cannot take the same room.
        const take = this.#admit(answer);
        if (!(take > 0)) {
          if (this.#queue.length > 0) {
            await new Promise((r) => setTimeout(r, this.#admission?.pollMs ?? 0));
          }
          continue;
        }
        const batch = this.#queue.splice(0, take);
        this.#writing += batch.length;
        await this.#run(batch);
      }
    } finally {
      this.#running--;
    }
  }

  /**
   * Asks for room downstream. One question is in flight at a time; a drain stops waiting for
   * its answer when the oldest item's wait is over (the answer is then "no room", and the
   * overdue items go in), so a slow count cannot hold items past `maxWaitMs`.
   */
  async #room(admission: Admission): Promise<Answer> {
    if (!this.#asking) {
      const writtenBefore = this.#written;
      const asking: Promise<Answer> = Promise.resolve()
        .then(() => admission.room())
        .then(
          (room) => ({
            // Not a number is as good as no answer: let the write itself succeed or fail.
            room: typeof room === "number" && !Number.isNaN(room) ? room : Infinity,
            writtenBefore,
          }),
          () => ({ room: Infinity, writtenBefore }), // cannot tell: the write decides
        )
        .finally(() => {
          if (this.#asking === asking) this.#asking = undefined;
        });
      this.#asking = asking;
    }
    const head = this.#queue[0];
    const left = head ? head.since + admission.maxWaitMs - performance.now() : 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<Answer>((resolve) => {
      timer = setTimeout(
        () => resolve({ room: 0, writtenBefore: this.#written }),
        Math.max(left, admission.pollMs),
      );
    });
    try {
      return await Promise.race([this.#asking, giveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * How many of the queued items to write now; synchronous, so what it reads of this batcher
   * is current. The answer's room is reduced by what is being written and by what finished
   * while it was counted (which the count may or may not include): room is never overstated.
   */
  #admit(answer: Answer | undefined): number {
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

  /** Writes a batch; never rejects. Each item leaves `#writing` as soon as its fate is known. */
  async #run(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.#write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]));
      this.#finished(batch.length);
    } catch (err) {
      if (batch.length === 1 || dispositionOf(err) === "hold") {
        for (const w of batch) w.reject(err);
        this.#finished(batch.length);
        return;
      }
      for (const w of batch) await this.#run([w]);
    }
  }

  #finished(items: number): void {
    this.#writing -= items;
    this.#written += items;
  }
}

interface Answer {
  room: number;
  writtenBefore: number;
}
