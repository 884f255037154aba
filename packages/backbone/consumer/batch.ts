/**
 * Batch mode: up to N messages, one handler call, one transaction (with the inbox). One
 * poison message would fail the batch for good every time, so a batch that fails permanently
 * is tried again message by message: the poison is dead-lettered alone, the rest go through.
 */
import type { Sql } from "../db.ts";
import { dispositionOf } from "../disposition.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Handle, Outcome, Step } from "./compose.ts";
import { inTransaction } from "./inbox.ts";
import type { BatchHandler } from "./types.ts";

export function batchHandle<T>(
  sql: Sql,
  consumer: string,
  logger: Logger,
  handler: BatchHandler<T>,
): Handle<T> {
  return inTransaction(
    sql,
    consumer,
    (fresh, { tx, work, afterCommit }) =>
      handler(fresh.map((d) => d.event), {
        logger,
        tx,
        working: () => work.forEach((d) => d.msg.working()),
        afterCommit,
      }),
  );
}

/** On a permanent failure of a batch, each message on its own; its outcomes, one by one. */
export function isolate<T>(logger: Logger): Step<T> {
  return (next) => async (work) => {
    try {
      return await next(work);
    } catch (err) {
      if (work.length < 2 || dispositionOf(err) !== "dead_letter") throw err;
      logger.warn("batch failed permanently; handling its messages one by one", {
        messages: work.length,
        error: errorMessage(err),
      });
      const outcomes: Outcome[] = [];
      for (const one of work) {
        try {
          outcomes.push(...await next([one]));
        } catch (failed) {
          outcomes.push({ failed });
        }
      }
      return outcomes;
    }
  };
}
