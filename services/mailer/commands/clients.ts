/** Creating, changing and deleting a client, each with its audit record. */
import { type CommandDeps, type CommandMeta, NotFoundError, transact } from "@flotilla/backbone";
import { findClient, insertClient, removeClient, saveClient } from "../adapters/clients.ts";
import { expireUnsent } from "../adapters/messages.ts";
import {
  changedClient,
  type Client,
  type ClientChange,
  type NewClient,
  operatorCodeOf,
} from "../domain/model.ts";

export const clientNotFound = (id: number) => new NotFoundError(`Client ${id} not found`);
const target = (id: number) => ({ type: "client", id });

export function createClient(
  deps: CommandDeps,
  input: NewClient,
  meta: CommandMeta,
): Promise<Client> {
  return transact(deps, meta, async (tx, emit) => {
    const client = await insertClient(tx, {
      ...input,
      operator_code: input.operator_code ?? operatorCodeOf(input.phone),
    });
    emit.audit({ action: "client.created", target: target(client.id), after: client });
    return client;
  });
}

export function updateClient(
  deps: CommandDeps,
  input: { id: number; change: ClientChange },
  meta: CommandMeta,
): Promise<Client> {
  return transact(deps, meta, async (tx, emit) => {
    const before = await findClient(tx, input.id, { forUpdate: true });
    if (!before) throw clientNotFound(input.id);
    const after = await saveClient(tx, changedClient(before, input.change));
    emit.audit({ action: "client.updated", target: target(input.id), before, after });
    return after;
  });
}

/** Deletes the client; what was not yet sent to it expires. */
export function deleteClient(
  deps: CommandDeps,
  input: { id: number },
  meta: CommandMeta,
): Promise<void> {
  return transact(deps, meta, async (tx, emit) => {
    const before = await findClient(tx, input.id, { forUpdate: true });
    if (!before) throw clientNotFound(input.id);
    await removeClient(tx, input.id);
    await expireUnsent(tx, { clientId: input.id }, "the client was deleted");
    emit.audit({ action: "client.deleted", target: target(input.id), before });
  });
}
