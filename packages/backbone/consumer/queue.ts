/** A bounded hand-off between the pulling loop and the workers: push waits when it is full. */
export class BoundedQueue<T> {
  #items: T[] = [];
  #takers: ((v: T | undefined) => void)[] = [];
  #space: (() => void)[] = [];
  #closed = false;
  constructor(readonly capacity: number) {}
  get length() {
    return this.#items.length;
  }
  /** False when the queue was closed meanwhile: the item was not taken. */
  async push(item: T): Promise<boolean> {
    while (this.#items.length >= this.capacity && !this.#closed) {
      await new Promise<void>((r) => this.#space.push(r));
    }
    if (this.#closed) return false;
    const taker = this.#takers.shift();
    if (taker) taker(item);
    else this.#items.push(item);
    return true;
  }
  /** Next item, or undefined after `timeoutMs` or when closed and empty. */
  take(timeoutMs?: number): Promise<T | undefined> {
    const item = this.#items.shift();
    if (item !== undefined) {
      this.#space.shift()?.();
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const taker = (v: T | undefined) => {
        clearTimeout(timer);
        resolve(v);
      };
      this.#takers.push(taker);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#takers = this.#takers.filter((t) => t !== taker);
          resolve(undefined);
        }, timeoutMs);
      }
    });
  }
  /** Up to `size` items: waits for the first, then up to `maxWaitMs` for the rest. */
  async takeUpTo(size: number, maxWaitMs: number): Promise<T[] | undefined> {
    const first = await this.take();
    if (first === undefined) return undefined;
    const items = [first];
    const deadline = Date.now() + maxWaitMs;
    while (items.length < size) {
      const next = await this.take(Math.max(0, deadline - Date.now()));
      if (next === undefined) break;
      items.push(next);
    }
    return items;
  }
  /** Wakes everyone; returns what was still queued. */
  close(): T[] {
    this.#closed = true;
    for (const t of this.#takers.splice(0)) t(undefined);
    for (const s of this.#space.splice(0)) s();
    return this.#items.splice(0);
  }
}
