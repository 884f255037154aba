/**
 * Commands: every write is `(deps, input, meta) → result`, one Postgres transaction that
 * changes state and emits what the change announces (domain events and the audit record)
 * through the outbox, atomically. Routes and consumers only translate HTTP or events to a
 * command and its result back.
 */
import { type Actor, type AuditChange, auditEvent } from "./audit.ts";
import type { Catalog } from "./catalog.ts";
import type { Sql, TransactionSql } from "./db.ts";
import { createEvent, type Envelope } from "./envelope.ts";
import { enqueue } from "./outbox.ts";
import { activeTraceparent, traceOf } from "./telemetry/trace.ts";

/** Where a command comes from: who asked, and the request or event it follows from. */
export interface CommandMeta {
  actor: Actor;
  correlationId: string;
  /** The event that caused this command, when a consumer runs it. */
  cause?: { id: string; correlation_id: string };
  /**
   * W3C trace context, carried on the emitted events; by default the trace `cause` was handled
   * in, else the active span's.
   */
  traceparent?: string;
  /** The user a request's principal is bound to: it may change only that user's things. */
  actsFor?: string;
}

/** What every command needs to write and emit. */
export interface CommandDeps {
  sql: Sql;
  catalog: Catalog;
  /** The emitting service: the `source` of its events. */
  service: string;
}

/** Collects what a command emits; written to the outbox when the command's work is done. */
export interface Emitter {
  /** A domain event about `subject` (its aggregate id). */
  event<T>(type: string, subject: string | number, data: T): Envelope<T>;
  /** The audit record of a change. */
  audit(change: AuditChange): void;
  /** Events built elsewhere (already enveloped). */
  add(...events: Envelope[]): void;
  /**
   * The emitter of one item of a batch that has its own actor and cause; what it emits is
   * written with the rest, in one statement, and continues the trace of its cause.
   */
  for(item: CommandMeta): Emitter;
}

/** Runs `work` in a new transaction and writes what it emitted in the same transaction. */
export function transact<R>(
  deps: CommandDeps,
  meta: CommandMeta,
  work: (tx: TransactionSql, emit: Emitter) => Promise<R>,
): Promise<R> {
  return deps.sql.begin((tx) => emitting(tx, deps, meta, work)) as Promise<R>;
}

/** The same inside a transaction someone else holds (a consumer's, with its inbox). */
export async function emitting<R>(
  tx: TransactionSql,
  deps: Pick<CommandDeps, "catalog" | "service">,
  meta: CommandMeta,
  work: (tx: TransactionSql, emit: Emitter) => Promise<R>,
): Promise<R> {
  const out: Emitted = { events: [], headers: [] };
  const result = await work(tx, collector(out, deps.service, meta, activeTraceparent()));
  await enqueue(tx, deps.catalog, out.events, out.headers);
  return result;
}

/** The events a command emitted and, one for one, the headers each goes out with. */
interface Emitted {
  events: Envelope[];
  headers: Record<string, string>[];
}

function collector(
  out: Emitted,
  service: string,
  meta: CommandMeta,
  outerTrace: string | undefined,
): Emitter {
  const cause = meta.cause ?? { correlationId: meta.correlationId };
  const traceparent = meta.traceparent ?? traceOf(meta.cause) ?? outerTrace;
  const headers: Record<string, string> = traceparent ? { traceparent } : {};
  const push = (event: Envelope) => {
    out.events.push(event);
    out.headers.push(headers);
  };
  return {
    event(type, subject, data) {
      const event = createEvent({ type, source: service, subject, data, cause });
      push(event);
      return event;
    },
    audit(change) {
      push(auditEvent({ ...change, source: service, actor: meta.actor, cause }));
    },
    add(...more) {
      more.forEach(push);
    },
    for: (item) => collector(out, service, item, traceparent),
  };
}
