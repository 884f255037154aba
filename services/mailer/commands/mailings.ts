/** Creating, changing and deleting a mailing, each with its audit record. */
import { type CommandDeps, type CommandMeta, NotFoundError, transact } from "@flotilla/backbone";
import { findMailing, hideMailing, insertMailing, saveMailing } from "../adapters/mailings.ts";
import { expireUnsent, hasMessages } from "../adapters/messages.ts";
import type { Clock } from "../domain/clock.ts";
import {
  changedMailing,
  type Mailing,
  type MailingChange,
  type MailingFields,
} from "../domain/model.ts";
import { refilter } from "./fan_out.ts";

export interface MailingDeps extends CommandDeps {
  clock: Clock;
}

export const mailingNotFound = (id: number) => new NotFoundError(`Mailing ${id} not found`);
const target = (id: number) => ({ type: "mailing", id });

/** A new mailing; the scheduler starts it at start_at (at once when that has passed). */
export function createMailing(
  deps: CommandDeps,
  input: MailingFields,
  meta: CommandMeta,
): Promise<Mailing> {
  return transact(deps, meta, async (tx, emit) => {
    const mailing = await insertMailing(tx, input);
    emit.audit({ action: "mailing.created", target: target(mailing.id), after: mailing });
    return mailing;
  });
}

/** A change applies to the messages not yet sent; a new filter of a started mailing refilters. */
export function updateMailing(
  deps: CommandDeps,
  input: { id: number; change: MailingChange },
  meta: CommandMeta,
): Promise<Mailing> {
  const { id, change } = input;
  return transact(deps, meta, async (tx, emit) => {
    const before = await findMailing(tx, id, { forUpdate: true });
    if (!before) throw mailingNotFound(id);
    const after = await saveMailing(tx, id, changedMailing(before, change));
    if (change.filter && (before.state === "running" || await hasMessages(tx, id))) {
      await refilter(tx, deps, meta, { id, filter: change.filter });
    }
    emit.audit({ action: "mailing.updated", target: target(id), before, after });
    return after;
  });
}

/** Hides the mailing; its messages not yet sent expire. What was sent stays on record. */
export function deleteMailing(
  deps: MailingDeps,
  input: { id: number },
  meta: CommandMeta,
): Promise<void> {
  return transact(deps, meta, async (tx, emit) => {
    const before = await findMailing(tx, input.id, { forUpdate: true });
    if (!before) throw mailingNotFound(input.id);
    await hideMailing(tx, input.id, deps.clock.now());
    await expireUnsent(tx, { mailingIds: [input.id] }, "the mailing was deleted");
    emit.audit({ action: "mailing.deleted", target: target(input.id), before });
  });
}
