/**
 * Coalesces many small calls into one: each `add` waits for the batch it joined, and a batch
 * runs when it is full or `maxWaitMs` after its first item. Senders use it so that hundreds of
 * concurrent messages cost a few Postgres round trips instead of hundreds.
 */
export class Batch<I, O> {
  #items: I[] = [];
  #waiters: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxSize = 256,
    private readonly maxWaitMs = 2,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#items.length >= this.maxSize) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.maxWaitMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    if (items.length === 0) return;
    this.run(items).then(
      (out) => waiters.forEach((w, i) => w.resolve(out[i])),
      (err) => waiters.forEach((w) => w.reject(err)),
    );
  }
}
