/** Messages and their sends: each message's `mailer.send.requested` leaves with its row. */
import {
  type CommandDeps,
  type CommandMeta,
  type Emitter,
  emitting,
  type Queryable,
  type TransactionSql,
} from "@flotilla/backbone";
import { MAILER_SEND_REQUESTED, type SendRequested } from "@flotilla/contracts";
import { matchingClients } from "../adapters/clients.ts";
import { expireUnmatched, insertMessages } from "../adapters/messages.ts";
import type { MailingFields } from "../domain/model.ts";

/** Puts these messages on the work queue, through the outbox of the caller's transaction. */
export function requestSends(emit: Emitter, sends: SendRequested[]): void {
  for (const send of sends) emit.event(MAILER_SEND_REQUESTED, send.message_id, send);
}

/** One pending message and one send per given client that has none yet; how many were new. */
export async function createMessages(
  tx: Queryable,
  emit: Emitter,
  mailingId: number,
  clientIds: number[],
): Promise<number> {
  const sends = await insertMessages(tx, mailingId, clientIds);
  requestSends(emit, sends);
  return sends.length;
}

/**
 * A started mailing whose filter changed: clients that no longer match lose their unsent
 * messages (expired), newly matching clients get theirs. The sends go to the outbox chunk by
 * chunk, so a large mailing is not held in memory.
 */
export async function refilter(
  tx: TransactionSql,
  deps: Pick<CommandDeps, "catalog" | "service">,
  meta: CommandMeta,
  mailing: { id: number; filter: MailingFields["filter"] },
  chunk = 5_000,
): Promise<void> {
  const { id, filter } = mailing;
  await expireUnmatched(tx, id, filter);
  let after = 0;
  while (true) {
    const clients = await matchingClients(tx, filter, after, chunk);
    await emitting(tx, deps, meta, (tx, emit) => createMessages(tx, emit, id, clients));
    if (clients.length < chunk) return;
    after = clients.at(-1)!;
  }
}
