/** Creating a user: the row, `user.created` and its audit record, in one transaction. */
import { type CommandDeps, type CommandMeta, transact } from "@flotilla/backbone";
import { USER_CREATED } from "@flotilla/contracts";
import { insertUser } from "../adapters/user_repo.ts";
import type { User } from "../domain/user.ts";

export function createUser(
  deps: CommandDeps,
  input: { name: string },
  meta: CommandMeta,
): Promise<User> {
  return transact(deps, meta, async (tx, emit) => {
    const user = await insertUser(tx, input.name);
    emit.event(USER_CREATED, user.id, user);
    emit.audit({ action: "user.created", target: { type: "user", id: user.id }, after: user });
    return user;
  });
}
