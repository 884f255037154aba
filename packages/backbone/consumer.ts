/**
 * The consumer runtime. Handlers are `(event, ctx) => Promise<void>`; the runtime owns
 * ack/nak/term:
 * - success → ack (after the handler's transaction committed);
 * - retryable error → nak(delay), exponential backoff with jitter from the delivery count;
 * - a dependency down → hold the message, stop pulling, try again in place (no delivery spent);
 * - permanent error, undecodable payload, or the last allowed delivery → dead-letter, term().
 * With `sql`, every handler runs in a transaction that first records (consumer, event id) in
 * the inbox, so a redelivered event has no second effect.
 */
import {
  type Consumer,
  type ConsumerMessages,
  jetstream,
  type JetStreamClient,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { ExponentialBackoff, handleWhen, retry, TaskCancelledError } from "cockatiel";
import { backoffDelay } from "./backoff.ts";
import { type Catalog, type ConsumerSpec, consumerSpec } from "./catalog.ts";
import type { Sql, TransactionSql } from "./db.ts";
import { deadLetter } from "./dead_letter.ts";
import { dispositionOf } from "./disposition.ts";
import { type Envelope, envelopeSchema } from "./envelope.ts";
import { errorMessage, issuesFromZod, ValidationError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";

export interface MessageContext {
  msg: JsMsg;
  deliveryCount: number;
  logger: Logger;
  /** The handler's transaction, when the consumer was given `sql`. */
  tx: TransactionSql;
  /** Tells the server the message is still being worked on (resets its ack timer). */
  working(): void;
  /** The W3C trace context the event was published with, to pass on to what it causes. */
  traceparent: string | undefined;
}

export interface BatchContext {
  logger: Logger;
  tx: TransactionSql;
  working(): void;
}

export type Handler<T = unknown> = (event: Envelope<T>, ctx: MessageContext) => Promise<void>;
export type BatchHandler<T = unknown> = (
  events: Envelope<T>[],
  ctx: BatchContext,
) => Promise<void>;
/** Turns a raw message into an event; throw a ValidationError to dead-letter it. */
export type Decoder<T> = (msg: JsMsg) => Envelope<T>;

interface CommonOptions<T> {
  nc: NatsConnection;
  catalog: Catalog;
  stream: string;
  durable: string;
  logger: Logger;
  metrics?: Metrics;
  /** Enables the inbox and gives handlers a transaction. Required in batch mode. */
  sql?: Sql;
  decode?: Decoder<T>;
}

export interface SingleOptions<T> extends CommonOptions<T> {
  handler: Handler<T>;
  /** Messages handled at once. */
  concurrency?: number;
}

export interface BatchOptions<T> extends CommonOptions<T> {
  sql: Sql;
  batch: {
    handler: BatchHandler<T>;
    /** Messages per transaction, at most. */
    size: number;
    /** How long a partial batch waits for more messages. */
    maxWaitMs?: number;
  };
}

export type ConsumerOptions<T> = SingleOptions<T> | BatchOptions<T>;

export interface RunningConsumer {
  readonly name: string;
  /** Stop pulling, finish what is in hand, release what was not started. */
  stop(): Promise<void>;
  /** Resolves when the consume loop ends (after stop, or when it fails for good). */
  readonly done: Promise<void>;
}

const decoder = new TextDecoder();

/** Default decoder: the Flotilla envelope, with `data` checked against the catalog schema. */
export function envelopeDecoder<T>(catalog: Catalog): Decoder<T> {
  return (msg) => {
    if (msg.data.length === 0) throw new ValidationError("Cannot decode event: empty message");
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(msg.data));
    } catch (err) {
      throw new ValidationError(`Cannot decode event: not JSON (${errorMessage(err)})`);
    }
    const env = envelopeSchema.safeParse(raw);
    if (!env.success) {
      throw ValidationError.of("Cannot decode event: bad envelope", issuesFromZod(env.error));
    }
    const spec = catalog.events[env.data.type];
    if (!spec) throw new ValidationError(`Cannot decode event: unknown type "${env.data.type}"`);
    const data = spec.schema.safeParse(env.data.data);
    if (!data.success) {
      throw ValidationError.of(
        `Cannot decode ${env.data.type}`,
        issuesFromZod(data.error).map((i) => ({ ...i, path: `data.${i.path}`.replace(/\.$/, "") })),
      );
    }
    return { ...env.data, data: data.data } as Envelope<T>;
  };
}

/** A bounded hand-off between the pulling loop and the workers: push waits when it is full. */
class BoundedQueue<T> {
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
  /** Wakes everyone; returns what was still queued. */
  close(): T[] {
    this.#closed = true;
    for (const t of this.#takers.splice(0)) t(undefined);
    for (const s of this.#space.splice(0)) s();
    return this.#items.splice(0);
  }
}

interface Decoded<T> {
  msg: JsMsg;
  event: Envelope<T>;
}

export function startConsumer<T = unknown>(options: ConsumerOptions<T>): RunningConsumer {
  const spec: ConsumerSpec = consumerSpec(options.catalog, options.stream, options.durable);
  const name = spec.durable;
  const js: JetStreamClient = jetstream(options.nc);
  const log = options.logger.child({ consumer: name });
  const metrics = options.metrics;
  const decode = options.decode ?? envelopeDecoder<T>(options.catalog);
  const maxDeliveries = spec.maxDeliveries ?? 5;
  const keepAliveMs = Math.max(100, Math.min(5_000, (spec.ackWaitMs ?? 30_000) / 3));
  const backoff = spec.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const batchMode = "batch" in options;
  const concurrency = batchMode ? 1 : Math.max(1, (options as SingleOptions<T>).concurrency ?? 8);
  const batchSize = batchMode ? (options as BatchOptions<T>).batch.size : 1;
  const queue = new BoundedQueue<JsMsg>(Math.max(batchSize, concurrency) * 2);
  const stopping = new AbortController();
  let messages: ConsumerMessages | undefined;

  const count = (outcome: string, n = 1) =>
    metrics?.consumerMessages.labels({ consumer: name, outcome }).inc(n);

  // A dependency that is down: try again in place, without spending deliveries, until it is
  // back or we are told to stop. The message's ack timer is kept alive meanwhile.
  async function withHold<R>(msgs: JsMsg[], work: () => Promise<R>): Promise<R> {
    // The happy path costs one call; the retry machinery is built only once a dependency fails.
    try {
      return await work();
    } catch (err) {
      if (dispositionOf(err) !== "hold" || stopping.signal.aborted) throw err;
      count("held", msgs.length);
      log.warn("dependency unavailable; holding messages and retrying", {
        messages: msgs.length,
        error: errorMessage(err),
      });
    }
    const holdPolicy = retry(handleWhen((err) => dispositionOf(err) === "hold"), {
      maxAttempts: Number.MAX_SAFE_INTEGER,
      backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5_000 }),
    });
    const keepAlive = setInterval(() => msgs.forEach((m) => m.working()), keepAliveMs);
    const listener = holdPolicy.onRetry((reason) => {
      count("held", msgs.length);
      log.warn("dependency unavailable; holding messages and retrying", {
        messages: msgs.length,
        error: "error" in reason ? errorMessage(reason.error) : "",
      });
    });
    try {
      return await holdPolicy.execute(() => work(), stopping.signal);
    } finally {
      clearInterval(keepAlive);
      listener.dispose();
    }
  }

  async function sendToDeadLetter(msg: JsMsg, reason: string): Promise<void> {
    try {
      await deadLetter(js, msg, { reason, consumer: name });
      msg.term(); // no reason text: nats-server 2.9 does not understand "+TERM reason"
      count("dead_letter");
      log.warn("dead-lettered message", {
        subject: msg.subject,
        stream_seq: msg.info.streamSequence,
        deliveries: msg.info.deliveryCount,
        reason,
      });
    } catch (err) {
      // Cannot park it now (NATS trouble): let it come back rather than lose it.
      msg.nak(backoffDelay(msg.info.deliveryCount, backoff));
      count("retry");
      log.error("dead-letter publish failed; message will be redelivered", {
        error: errorMessage(err),
      });
    }
  }

  async function fail(msg: JsMsg, err: unknown): Promise<void> {
    const disposition = dispositionOf(err);
    const deliveries = msg.info.deliveryCount;
    if (disposition === "dead_letter") {
      await sendToDeadLetter(msg, errorMessage(err));
    } else if (deliveries >= maxDeliveries) {
      await sendToDeadLetter(
        msg,
        `gave up after ${deliveries} deliveries: ${errorMessage(err)}`,
      );
    } else {
      const delay = backoffDelay(deliveries, backoff);
      msg.nak(delay);
      count("retry");
      log.warn("handler failed; redelivering later", {
        subject: msg.subject,
        deliveries,
        delay_ms: delay,
        error: errorMessage(err),
      });
    }
  }

  function releasedOnStop(err: unknown): boolean {
    return stopping.signal.aborted &&
      (err instanceof TaskCancelledError || dispositionOf(err) === "hold");
  }

  function tryDecode(msg: JsMsg): Envelope<T> | Error {
    try {
      return decode(msg);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Records event ids in the inbox; returns the ids not seen before. */
  async function claimInbox(tx: TransactionSql, ids: string[]): Promise<Set<string>> {
    const rows = await tx<{ event_id: string }[]>`
      insert into inbox (consumer, event_id)
      select ${name}, unnest(${tx.array(ids)}::text[])
      on conflict do nothing
      returning event_id`;
    return new Set(rows.map((r) => r.event_id));
  }

  async function handleOne(msg: JsMsg): Promise<void> {
    const handler = (options as SingleOptions<T>).handler;
    const event = tryDecode(msg);
    if (event instanceof Error) return await sendToDeadLetter(msg, event.message);
    const mlog = log.child({ event_id: event.id, correlation_id: event.correlation_id });
    const started = performance.now();
    metrics?.consumerInFlight.labels({ consumer: name }).inc();
    try {
      let duplicate = false;
      await withHold([msg], async () => {
        const base = {
          msg,
          deliveryCount: msg.info.deliveryCount,
          logger: mlog,
          working: () => msg.working(),
          traceparent: msg.headers?.get("traceparent") || undefined,
        };
        if (!options.sql) {
          await handler(event, { ...base, tx: undefined as unknown as TransactionSql });
          return;
        }
        await options.sql.begin(async (tx) => {
          const fresh = await claimInbox(tx, [event.id]);
          duplicate = fresh.size === 0;
          if (!duplicate) await handler(event, { ...base, tx });
        });
      });
      msg.ack();
      count(duplicate ? "duplicate" : "ack");
    } catch (err) {
      if (releasedOnStop(err)) {
        msg.nak(); // shutting down while a dependency is down: release it to another replica
      } else {
        await fail(msg, err);
      }
    } finally {
      metrics?.consumerInFlight.labels({ consumer: name }).dec();
      metrics?.consumerDuration.labels({ consumer: name }).observe(
        (performance.now() - started) / 1000,
      );
    }
  }

  async function handleBatch(msgs: JsMsg[]): Promise<void> {
    const { sql, batch } = options as BatchOptions<T>;
    const good: Decoded<T>[] = [];
    for (const msg of msgs) {
      const event = tryDecode(msg);
      if (event instanceof Error) await sendToDeadLetter(msg, event.message);
      else good.push({ msg, event });
    }
    if (good.length === 0) return;
    const started = performance.now();
    metrics?.consumerInFlight.labels({ consumer: name }).inc(good.length);
    const ms = good.map((g) => g.msg);
    const run = (items: Decoded<T>[]) =>
      withHold(items.map((i) => i.msg), () =>
        sql.begin(async (tx) => {
          // The same event may appear twice in one batch (a redelivery racing its original).
          const unique = [...new Map(items.map((i) => [i.event.id, i])).values()];
          const fresh = await claimInbox(tx, unique.map((i) => i.event.id));
          const events = unique.filter((i) => fresh.has(i.event.id)).map((i) => i.event);
          if (events.length > 0) {
            await batch.handler(events, {
              logger: log,
              tx,
              working: () => items.forEach((i) => i.msg.working()),
            });
          }
          return items.length - events.length;
        }));
    try {
      const duplicates = await run(good);
      for (const m of ms) m.ack();
      count("ack", good.length - duplicates);
      count("duplicate", duplicates);
    } catch (err) {
      if (releasedOnStop(err)) {
        for (const m of ms) m.nak();
      } else if (dispositionOf(err) === "dead_letter" && good.length > 1) {
        // Someone in the batch is poison: find them one by one so the rest go through.
        log.warn("batch failed permanently; handling its messages one by one", {
          messages: good.length,
          error: errorMessage(err),
        });
        for (const item of good) {
          try {
            await run([item]);
            item.msg.ack();
            count("ack");
          } catch (one) {
            await fail(item.msg, one);
          }
        }
      } else {
        for (const m of ms) await fail(m, err);
      }
    } finally {
      metrics?.consumerInFlight.labels({ consumer: name }).dec(good.length);
      metrics?.consumerDuration.labels({ consumer: name }).observe(
        (performance.now() - started) / 1000,
      );
    }
  }

  async function pull(consumer: Consumer): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        messages = await consumer.consume({ max_messages: queue.capacity });
        for await (const msg of messages) {
          if (!(await queue.push(msg))) {
            msg.nak(); // stopping: release it at once
            continue;
          }
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        log.warn("consume loop interrupted; resuming", { error: errorMessage(err) });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async function work(): Promise<void> {
    if (batchMode) {
      const maxWait = (options as BatchOptions<T>).batch.maxWaitMs ?? 50;
      while (true) {
        const first = await queue.take();
        if (!first) return;
        const batch = [first];
        const deadline = Date.now() + maxWait;
        while (batch.length < batchSize) {
          const next = await queue.take(Math.max(0, deadline - Date.now()));
          if (!next) break;
          batch.push(next);
        }
        await handleBatch(batch);
      }
    }
    const inFlight = new Set<Promise<void>>();
    while (true) {
      const msg = await queue.take();
      if (!msg) break;
      const p = handleOne(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  const done = (async () => {
    const consumer = await js.consumers.get(options.stream, spec.durable);
    log.info("consumer started", {
      stream: options.stream,
      mode: batchMode ? `batch of ${batchSize}` : `concurrency ${concurrency}`,
    });
    const pulling = pull(consumer);
    await work();
    await pulling;
  })();
  done.catch((err) => log.error("consumer failed", { error: errorMessage(err) }));

  return {
    name,
    done,
    async stop() {
      if (stopping.signal.aborted) return done;
      stopping.abort();
      await messages?.close().catch(() => {});
      // Messages pulled but not started go back at once, for another replica or our restart.
      // Workers finish what they hold: the queue closes, and `done` waits for them.
      for (const m of queue.close()) m.nak();
      await done.catch(() => {});
    },
  };
}
