/**
 * Requesting an export: a pending job for the filters, announced with NOTIFY when the
 * transaction commits, so a worker on any replica picks it up.
 */
import { type CommandDeps, type CommandMeta, transact, uuidv7 } from "@flotilla/backbone";
import { createExport, type ExportJob } from "../adapters/export_repo.ts";
import { type AuditFilters, checkRange } from "../domain/query.ts";

export async function requestExport(
  deps: CommandDeps,
  input: { filters: AuditFilters },
  meta: CommandMeta,
): Promise<ExportJob> {
  checkRange(input.filters);
  const { actor } = meta;
  return await transact(deps, meta, (tx) =>
    createExport(tx, {
      id: uuidv7(),
      filters: input.filters,
      requested_by: actor.type === "anonymous" ? null : `${actor.type}:${actor.id}`,
    }));
}
