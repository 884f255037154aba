/** What a consumer's user sees: the options, the handlers and the contexts they are given. */
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import type { Catalog } from "../catalog.ts";
import type { Sql, TransactionSql } from "../db.ts";
import type { Envelope } from "../envelope.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";

export interface MessageContext {
  msg: JsMsg;
  deliveryCount: number;
  logger: Logger;
  /** Tells the server the message is still being worked on (resets its ack timer). */
  working(): void;
  /**
   * The W3C trace context of this message's handling (its `process` span with tracing on, else
   * the context it was published with), to pass on to what it causes.
   */
  traceparent: string | undefined;
}

/** A transactional consumer's context: the handler's transaction, which holds the inbox claim. */
export interface TransactionContext extends MessageContext {
  tx: TransactionSql;
  /** Runs `fn` once the handler's transaction has committed (metrics): never if it rolls back. */
  afterCommit(fn: () => void): void;
}

export interface BatchContext {
  logger: Logger;
  tx: TransactionSql;
  working(): void;
  /** Runs `fn` once the batch's transaction has committed (metrics): never if it rolls back. */
  afterCommit(fn: () => void): void;
}

export type Handler<T = unknown, C extends MessageContext = MessageContext> = (
  event: Envelope<T>,
  ctx: C,
) => Promise<void>;
export type TransactionalHandler<T = unknown> = Handler<T, TransactionContext>;
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
  decode?: Decoder<T>;
}

/** One message at a time per handler call, without Postgres. */
export interface PlainOptions<T> extends CommonOptions<T> {
  sql?: undefined;
  handler: Handler<T>;
  /** Messages handled at once. */
  concurrency?: number;
}

/** One message at a time per handler call, in a transaction that records it in the inbox. */
export interface TransactionalOptions<T> extends CommonOptions<T> {
  sql: Sql;
  handler: TransactionalHandler<T>;
  /** Messages handled at once. */
  concurrency?: number;
}

/** Up to `size` messages per handler call, in one transaction with the inbox. */
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

export type ConsumerOptions<T> = PlainOptions<T> | TransactionalOptions<T> | BatchOptions<T>;

export interface RunningConsumer {
  readonly name: string;
  /** Stop pulling, finish what is in hand, release what was not started. */
  stop(): Promise<void>;
  /** Resolves when the consume loop ends (after stop, or when it fails for good). */
  readonly done: Promise<void>;
}
