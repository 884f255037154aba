/**
 * The consumer as a pipeline. A unit of work is the messages handled together (one, or a
 * batch); every step is a function from the rest of the pipeline to a new head of it, so
 * steps wrap one another like HTTP middleware. After `decoding` (the entry, which turns
 * messages into events):
 *
 *   tracing → metrics → settle → isolate (batch mode) → hold → inbox + handler
 *
 * Each step returns what became of each message; `settle` acts on it, the steps outside it
 * only look.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { Envelope } from "../envelope.ts";

/** A message and the event decoded from it. */
export interface Decoded<T> {
  msg: JsMsg;
  event: Envelope<T>;
}

/** What became of one message of a unit: handled, already handled before, or failed. */
export type Outcome = "ack" | "duplicate" | { failed: unknown };

/** The rest of the pipeline: handles a unit, one outcome per message in its order. */
export type Handle<T> = (work: Decoded<T>[]) => Promise<Outcome[]>;

export type Step<T> = (next: Handle<T>) => Handle<T>;

/** `compose(last, a, b)` is `a(b(last))`: the first step sees the work first. */
export function compose<T>(last: Handle<T>, ...steps: Step<T>[]): Handle<T> {
  return steps.reduceRight((next, step) => step(next), last);
}

/** The same outcome for every message of a unit. */
export function all<T>(work: Decoded<T>[], outcome: Outcome): Outcome[] {
  return work.map(() => outcome);
}
