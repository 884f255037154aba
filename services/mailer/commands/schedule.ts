/**
 * What the scheduler does when the time comes: start due mailings (the fan-out), put deferred
 * messages whose window opened back on the work queue, finish mailings past their end. Each step
 * is safe with several replicas (`FOR UPDATE SKIP LOCKED`) and survives restarts.
 */
import { type CommandDeps, type CommandMeta, transact } from "@flotilla/backbone";
import { matchingClients } from "../adapters/clients.ts";
import {
  dueMailings,
  finishEnded,
  lockDueMailing,
  markFinishedUnstarted,
  markRunning,
} from "../adapters/mailings.ts";
import { expireEnded, lastClientOf, releaseDeferred } from "../adapters/messages.ts";
import { createMessages, requestSends } from "./fan_out.ts";

export interface Started {
  id: number;
  messages: number;
  /** False when another holder took the mailing mid-way: the next pass goes on. */
  complete: boolean;
}

/** Starts the mailings whose start has come; a mailing already past its end just finishes. */
export async function startDueMailings(
  deps: CommandDeps,
  input: { now: Date; chunk?: number },
  meta: CommandMeta,
): Promise<Started[]> {
  const started = [];
  for (const id of await dueMailings(deps.sql, input.now)) {
    const one = await startMailing(deps, { id, now: input.now, chunk: input.chunk ?? 2_000 }, meta);
    if (one) started.push(one);
  }
  return started;
}

/**
 * Starts one due mailing, in chunks of clients by id: each chunk's messages and their sends
 * commit together (outbox), so sending starts while the fan-out goes on. Each chunk locks the
 * mailing row (skipping it when another replica or a request holds it) and goes on from the
 * highest client that already has a message, so replicas share the work and a crash mid-way
 * resumes where it stopped. Messages are unique per client: nothing is created twice.
 */
async function startMailing(
  deps: CommandDeps,
  input: { id: number; now: Date; chunk: number },
  meta: CommandMeta,
): Promise<Started | undefined> {
  const { id, now, chunk } = input;
  let messages = 0;
  while (true) {
    const step = await transact(deps, meta, async (tx, emit) => {
      const mailing = await lockDueMailing(tx, id, now);
      if (!mailing) return undefined;
      if (mailing.end_at <= now) {
        await markFinishedUnstarted(tx, id, now);
        return { created: 0, done: true };
      }
      const clients = await matchingClients(tx, mailing, await lastClientOf(tx, id), chunk);
      const created = await createMessages(tx, emit, id, clients);
      const done = clients.length < chunk;
      if (done) await markRunning(tx, id, now);
      return { created, done };
    });
    if (!step) return messages > 0 ? { id, messages, complete: false } : undefined;
    messages += step.created;
    if (step.done) return { id, messages, complete: true };
  }
}

/** Deferred messages whose window has opened go back on the work queue; how many. */
export function releaseDueDeferred(
  deps: CommandDeps,
  input: { now: Date; limit: number },
  meta: CommandMeta,
): Promise<number> {
  return transact(deps, meta, async (tx, emit) => {
    const sends = await releaseDeferred(tx, input.now, input.limit);
    requestSends(emit, sends);
    return sends.length;
  });
}

/** Mailings past their end are finished; what they did not send expires. Their ids. */
export function finishEndedMailings(
  deps: CommandDeps,
  input: { now: Date },
  meta: CommandMeta,
): Promise<number[]> {
  return transact(deps, meta, async (tx) => {
    const ids = await finishEnded(tx, input.now);
    if (ids.length > 0) await expireEnded(tx, ids);
    return ids;
  });
}
