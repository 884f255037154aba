/** A consumer as a service declares it to the launcher, which supplies the connections. */
import type { Sql } from "../db.ts";
import type { BatchOptions, ConsumerOptions, PlainOptions, TransactionalOptions } from "./types.ts";

/** What the launcher supplies to every consumer. */
type Supplied = "nc" | "catalog" | "logger" | "metrics" | "sql";

/**
 * `transactional: true` runs handlers in a Postgres transaction with the inbox (the service
 * needs `postgres`); batch mode needs it.
 */
// deno-lint-ignore no-explicit-any -- a service's list mixes event types; each is checked where it is written
export type ConsumerDeclaration<T = any> =
  & (
    | Omit<PlainOptions<T>, Supplied> & { transactional?: false }
    | Omit<TransactionalOptions<T>, Supplied> & { transactional: true }
    | Omit<BatchOptions<T>, Supplied> & { transactional: true }
  )
  & {
    /** Start this many copies on the same durable (pipelines in one process). */
    copies?: number;
  };

/** The options to start a declared consumer with. */
export function declaredOptions(
  service: string,
  declaration: ConsumerDeclaration,
  supplied: Pick<ConsumerOptions<unknown>, Exclude<Supplied, "sql">>,
  sql: Sql | undefined,
): ConsumerOptions<unknown> {
  if (!declaration.transactional) {
    const { transactional: _, copies: __, ...rest } = declaration;
    return { ...rest, ...supplied };
  }
  if (!sql) {
    throw new Error(`${service}: a transactional consumer needs postgres in the declaration`);
  }
  const { transactional: _, copies: __, ...rest } = declaration;
  return { ...rest, ...supplied, sql };
}
