/**
 * The pulling end: pulls from the JetStream consumer into a bounded queue, so that no more
 * messages are in hand than the workers can start soon (the rest stay on the server, where
 * another replica may take them), and hands them out one by one or as batches.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { BoundedQueue } from "./queue.ts";

/** What the source needs of a JetStream consumer (`js.consumers.get(stream, durable)`). */
export interface Pullable {
  consume(options: { max_messages: number }): Promise<Subscription>;
}

export interface Subscription extends AsyncIterable<JsMsg> {
  close(): Promise<unknown>;
}

export class Source {
  readonly #queue: BoundedQueue<JsMsg>;
  readonly #logger: Logger;
  readonly #stopping: AbortSignal;
  #subscription: Subscription | undefined;

  constructor(capacity: number, logger: Logger, stopping: AbortSignal) {
    this.#queue = new BoundedQueue(capacity);
    this.#logger = logger;
    this.#stopping = stopping;
  }

  /** Pulls until the consumer stops; resumes after a broken subscription. */
  async pull(consumer: Pullable): Promise<void> {
    while (!this.#stopping.aborted) {
      try {
        this.#subscription = await consumer.consume({ max_messages: this.#queue.capacity });
        // A stop that came while the subscription was opening found nothing to close.
        if (this.#stopping.aborted) await this.#subscription.close();
        for await (const msg of this.#subscription) {
          if (!(await this.#queue.push(msg))) msg.nak(); // stopping: release it at once
        }
      } catch (err) {
        if (this.#stopping.aborted) break;
        this.#logger.warn("consume loop interrupted; resuming", { error: errorMessage(err) });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Up to `size` messages (waiting up to `maxWaitMs` for more than one); none once stopped. */
  next(size: number, maxWaitMs: number): Promise<JsMsg[] | undefined> {
    return this.#queue.takeUpTo(size, maxWaitMs);
  }

  /**
   * Stops pulling. Messages pulled but not handed out go back at once, for another replica or
   * our restart; those handed out are the workers' to finish.
   */
  async stop(): Promise<void> {
    await this.#subscription?.close().catch(() => {});
    for (const msg of this.#queue.close()) msg.nak();
  }
}
