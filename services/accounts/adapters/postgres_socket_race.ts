/**
 * postgres.js 3.4.9 under Deno can throw from a deferred write after its socket closed (its
 * `nextWrite` runs from setImmediate once `closed()` has set the socket to null), as an
 * uncaught TypeError that would end the process when Postgres goes away. The client
 * reconnects on its own and the query in flight already failed with CONNECTION_CLOSED, so
 * this one error is logged and absorbed; every other uncaught error still ends the process.
 */
import type { Logger } from "../../../shared/mod.ts";

export function isPostgresSocketRace(error: unknown): boolean {
  return error instanceof TypeError &&
    error.message.includes("reading 'write'") &&
    (error.stack ?? "").includes("postgres/src/connection.js");
}

export function survivePostgresSocketRace(logger: Logger): void {
  globalThis.addEventListener("error", (event) => {
    if (!isPostgresSocketRace(event.error)) return;
    event.preventDefault();
    logger.warn("postgres client wrote to a closed socket; ignored (it reconnects)");
  });
}
