/** Single-message mode: the handler gets one event and its message's context. */
import type { Sql } from "../db.ts";
import type { Logger } from "../log.ts";
import { traceOf } from "../telemetry/trace.ts";
import { all, type Decoded, type Handle } from "./compose.ts";
import { inTransaction } from "./inbox.ts";
import type { Handler, MessageContext, TransactionalHandler } from "./types.ts";

export function messageContext<T>({ msg, event }: Decoded<T>, logger: Logger): MessageContext {
  return {
    msg,
    deliveryCount: msg.info.deliveryCount,
    logger: logger.child({ event_id: event.id, correlation_id: event.correlation_id }),
    working: () => msg.working(),
    traceparent: traceOf(event) ?? (msg.headers?.get("traceparent") || undefined),
  };
}

/** The last step without Postgres: no inbox, no transaction. */
export function plainHandle<T>(handler: Handler<T>, logger: Logger): Handle<T> {
  return async (work) => {
    for (const d of work) await handler(d.event, messageContext(d, logger));
    return all(work, "ack");
  };
}

/** The last step with Postgres: the handler runs in the transaction that claims the inbox. */
export function transactionalHandle<T>(
  sql: Sql,
  consumer: string,
  logger: Logger,
  handler: TransactionalHandler<T>,
): Handle<T> {
  return inTransaction(sql, consumer, async (fresh, { tx, afterCommit }) => {
    for (const d of fresh) {
      await handler(d.event, { ...messageContext(d, logger), tx, afterCommit });
    }
  });
}
