/**
 * The end of every unit: the runtime, not the handler, answers the server.
 * - handled (or a duplicate) → ack;
 * - failed and retryable → nak with a delay growing with the delivery count;
 * - failed for good, or on its last allowed delivery → dead-letter with its reason, then term;
 * - held when the consumer stops → nak at once, for another replica.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { backoffDelay, type BackoffOptions } from "../backoff.ts";
import type { DeadLetterClass } from "../dead_letter.ts";
import { dispositionOf } from "../disposition.ts";
import { errorMessage, isValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { markFailed } from "../telemetry/messaging.ts";
import { all, type Decoded, type Outcome, type Step } from "./compose.ts";
import type { Count } from "./metrics.ts";
import { spanOf } from "./trace.ts";

export interface SettleOptions {
  consumer: string;
  logger: Logger;
  count: Count;
  maxDeliveries: number;
  backoff: BackoffOptions;
  /** Publishes the message to the dead-letter stream with its reason. */
  park: (msg: JsMsg, reason: string, kind: DeadLetterClass) => Promise<void>;
  /** Aborted when the consumer stops: a held message is then released, not failed. */
  stopping: AbortSignal;
}

export class Settler {
  readonly #o: SettleOptions;

  constructor(options: SettleOptions) {
    this.#o = options;
  }

  /** Answers the server for each message of a unit, from its outcome. */
  async settle<T>(work: Decoded<T>[], outcomes: Outcome[]): Promise<void> {
    let acked = 0;
    let duplicates = 0;
    for (const [i, { msg }] of work.entries()) {
      const outcome = outcomes[i];
      if (outcome === "ack" || outcome === "duplicate") {
        msg.ack();
        if (outcome === "ack") acked++;
        else duplicates++;
      } else {
        await this.fail(msg, outcome.failed);
      }
    }
    this.#o.count("ack", acked);
    this.#o.count("duplicate", duplicates);
  }

  async fail(msg: JsMsg, err: unknown): Promise<void> {
    const { stopping, maxDeliveries, backoff, count, logger } = this.#o;
    const disposition = dispositionOf(err);
    const deliveries = msg.info.deliveryCount;
    markFailed(spanOf(msg), err);
    if (disposition === "hold" && stopping.aborted) {
      msg.nak(); // shutting down while a dependency is down: release it to another replica
    } else if (disposition === "dead_letter") {
      await this.deadLetter(
        msg,
        errorMessage(err),
        isValidationError(err) ? "validation" : "permanent",
      );
    } else if (deliveries >= maxDeliveries) {
      await this.deadLetter(
        msg,
        `gave up after ${deliveries} deliveries: ${errorMessage(err)}`,
        "exhausted",
      );
    } else {
      const delay = backoffDelay(deliveries, backoff);
      msg.nak(delay);
      count("retry");
      spanOf(msg)?.addEvent("retry", {
        deliveries,
        delay_ms: delay,
        error: errorMessage(err),
      });
      logger.warn("handler failed; redelivering later", {
        subject: msg.subject,
        deliveries,
        delay_ms: delay,
        error: errorMessage(err),
      });
    }
  }

  async deadLetter(msg: JsMsg, reason: string, kind: DeadLetterClass): Promise<void> {
    const { park, backoff, count, logger } = this.#o;
    try {
      await park(msg, reason, kind);
      msg.term(); // no reason text: nats-server 2.9 does not understand "+TERM reason"
      count("dead_letter");
      spanOf(msg)?.addEvent("dead_letter", { reason, class: kind });
      markFailed(spanOf(msg), reason);
      logger.warn("dead-lettered message", {
        subject: msg.subject,
        stream_seq: msg.info.streamSequence,
        deliveries: msg.info.deliveryCount,
        reason,
        class: kind,
      });
    } catch (err) {
      // Cannot park it now (NATS trouble): let it come back rather than lose it.
      msg.nak(backoffDelay(msg.info.deliveryCount, backoff));
      count("retry");
      logger.error("dead-letter publish failed; message will be redelivered", {
        error: errorMessage(err),
      });
    }
  }
}

/** The step that settles: an error thrown by the rest of the pipeline fails the whole unit. */
export function settle<T>(settler: Settler): Step<T> {
  return (next) => async (work) => {
    let outcomes: Outcome[];
    try {
      outcomes = await next(work);
    } catch (err) {
      outcomes = all(work, { failed: err });
    }
    await settler.settle(work, outcomes);
    return outcomes;
  };
}
