/**
 * The consumer runtime. Handlers are `(event, ctx) => Promise<void>`; the runtime owns
 * ack/nak/term:
 * - success → ack (after the handler's transaction committed);
 * - retryable error → nak(delay), exponential backoff with jitter from the delivery count;
 * - a dependency down → hold the message and try again in place (no delivery spent);
 * - permanent error, undecodable payload, or the last allowed delivery → dead-letter, term().
 * With `sql`, every handler runs in a transaction that first records (consumer, event id) in
 * the inbox, so a redelivered event has no second effect.
 *
 * `startConsumer` wires the steps under consumer/: a source pulls messages, `dispatch` runs
 * units of work (one message, or a batch) through the pipeline (see consumer/compose.ts).
 */
import { jetstream } from "@nats-io/jetstream";
import { defaultBackoff } from "./backoff.ts";
import { consumerSpec } from "./catalog.ts";
import { batchHandle, isolate } from "./consumer/batch.ts";
import { compose, type Handle, type Step } from "./consumer/compose.ts";
import { decoding, envelopeDecoder } from "./consumer/decode.ts";
import { dispatch } from "./consumer/dispatch.ts";
import { hold } from "./consumer/hold.ts";
import { plainHandle, transactionalHandle } from "./consumer/message.ts";
import { counter, measure } from "./consumer/metrics.ts";
import { settle, Settler } from "./consumer/settle.ts";
import { Source } from "./consumer/source.ts";
import { tracedAlone, tracing } from "./consumer/trace.ts";
import type {
  BatchOptions,
  ConsumerOptions,
  PlainOptions,
  RunningConsumer,
  TransactionalOptions,
} from "./consumer/types.ts";
import { deadLetter } from "./dead_letter.ts";
import { errorMessage } from "./errors.ts";
import type { Logger } from "./log.ts";

export { envelopeDecoder } from "./consumer/decode.ts";
export type {
  BatchContext,
  BatchHandler,
  ConsumerOptions,
  Decoder,
  Handler,
  MessageContext,
  RunningConsumer,
  TransactionalHandler,
  TransactionContext,
} from "./consumer/types.ts";

// One signature per mode first, so that a handler's context is typed from the mode even when
// `sql` comes in through a spread object.
export function startConsumer<T = unknown>(options: BatchOptions<T>): RunningConsumer;
export function startConsumer<T = unknown>(options: TransactionalOptions<T>): RunningConsumer;
export function startConsumer<T = unknown>(options: PlainOptions<T>): RunningConsumer;
export function startConsumer<T = unknown>(options: ConsumerOptions<T>): RunningConsumer;
export function startConsumer<T>(options: ConsumerOptions<T>): RunningConsumer {
  const spec = consumerSpec(options.catalog, options.stream, options.durable);
  const name = spec.durable;
  const js = jetstream(options.nc);
  const logger = options.logger.child({ consumer: name });
  const stopping = new AbortController();
  const count = counter(options.metrics, name);
  const settler = new Settler({
    consumer: name,
    logger,
    count,
    maxDeliveries: spec.maxDeliveries ?? 5,
    backoff: spec.backoff ?? defaultBackoff,
    park: (msg, reason, kind) => deadLetter(js, msg, { reason, consumer: name, class: kind }),
    stopping: stopping.signal,
  });
  const mode = modeOf(options, name, logger);
  const handle = compose(
    mode.last,
    tracing(name),
    measure(options.metrics, name),
    settle(settler),
    ...mode.steps,
    hold({
      logger,
      count,
      keepAliveMs: Math.max(100, Math.min(5_000, (spec.ackWaitMs ?? 30_000) / 3)),
      stopping: stopping.signal,
    }),
  );
  const run = decoding(
    options.decode ?? envelopeDecoder<T>(options.catalog),
    (msg, reason) => tracedAlone(name, msg, () => settler.deadLetter(msg, reason, "decode")),
    handle,
  );
  const source = new Source(
    Math.max(mode.size, mode.concurrency) * 2,
    logger,
    stopping.signal,
  );

  const done = (async () => {
    const consumer = await js.consumers.get(options.stream, name);
    logger.info("consumer started", { stream: options.stream, mode: mode.label });
    const pulling = source.pull(consumer);
    await dispatch(() => source.next(mode.size, mode.maxWaitMs), run, mode.concurrency);
    await pulling;
  })();
  done.catch((err) => logger.error("consumer failed", { error: errorMessage(err) }));

  return {
    name,
    done,
    async stop() {
      if (stopping.signal.aborted) return done;
      stopping.abort();
      await source.stop();
      // Units in hand finish (held ones are released): `done` waits for them.
      await done.catch(() => {});
    },
  };
}

interface Mode<T> {
  /** The pipeline's last step: the handler, in its transaction when there is one. */
  last: Handle<T>;
  /** Steps of this mode only, between settling and holding. */
  steps: Step<T>[];
  /** Messages per unit of work, and how long a partial unit waits for more. */
  size: number;
  maxWaitMs: number;
  /** Units handled at once. */
  concurrency: number;
  label: string;
}

function modeOf<T>(options: ConsumerOptions<T>, name: string, logger: Logger): Mode<T> {
  if ("batch" in options) {
    const { size, maxWaitMs = 50, handler } = options.batch;
    return {
      last: batchHandle(options.sql, name, logger, handler),
      steps: [isolate(logger)],
      size,
      maxWaitMs,
      concurrency: 1,
      label: `batch of ${size}`,
    };
  }
  const concurrency = Math.max(1, options.concurrency ?? 8);
  return {
    last: options.sql
      ? transactionalHandle(options.sql, name, logger, options.handler)
      : plainHandle(options.handler, logger),
    steps: [],
    size: 1,
    maxWaitMs: 0,
    concurrency,
    label: `concurrency ${concurrency}`,
  };
}
