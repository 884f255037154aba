/** Renaming a user: a new version, `user.updated` and its audit record; the same name changes nothing. */
import {
  assertActsFor,
  type CommandDeps,
  type CommandMeta,
  type NotFoundError,
  transact,
} from "@flotilla/backbone";
import { resultNotFound, USER_UPDATED } from "@flotilla/contracts";
import { findUser, saveUser } from "../adapters/user_repo.ts";
import { rename, type User } from "../domain/user.ts";

export interface RenameDeps extends CommandDeps {
  /** Microseconds since the epoch. */
  now: () => number;
}

export function userNotFound(id: number): NotFoundError {
  return resultNotFound(`User ${id} not found`);
}

export function renameUser(
  deps: RenameDeps,
  input: { id: number; name: string },
  meta: CommandMeta,
): Promise<User> {
  assertActsFor(meta, input.id, `user ${input.id}`);
  return transact(deps, meta, async (tx, emit) => {
    const before = await findUser(tx, input.id, { forUpdate: true });
    if (!before) throw userNotFound(input.id);
    const after = rename(before, input.name, deps.now());
    if (!after) return before;
    await saveUser(tx, after);
    emit.event(USER_UPDATED, after.id, after);
    emit.audit({ action: "user.updated", target: { type: "user", id: after.id }, before, after });
    return after;
  });
}
