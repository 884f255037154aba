/**
 * Running the next export: claims the oldest pending job (or one whose worker stopped
 * beating), writes its file and marks it completed or failed. Jobs are claimed with SKIP
 * LOCKED, so each runs on one replica; a heartbeat keeps other replicas from taking it over.
 */
import type { ObjectStore } from "@nats-io/obj";
import { dispositionOf, errorMessage, type Logger, type Sql } from "@flotilla/backbone";
import { putExportFile } from "../adapters/export_file.ts";
import { beat, claimExport, completeExport, failExport } from "../adapters/export_repo.ts";

export interface RunExportDeps {
  sql: Sql;
  exportsBucket: () => Promise<ObjectStore>;
  logger: Logger;
  /** A running job with no heartbeat for this long belongs to a dead replica. */
  staleMs: number;
}

/** False when there was no job to run. */
export async function runNextExport(deps: RunExportDeps): Promise<boolean> {
  const { sql, staleMs } = deps;
  const job = await claimExport(sql, staleMs);
  if (!job) return false;
  const log = deps.logger.child({ export_id: job.id });
  const heartbeat = setInterval(() => beat(sql, job.id).catch(() => {}), staleMs / 4);
  const started = performance.now();
  try {
    const file = await putExportFile(sql, await deps.exportsBucket(), {
      name: job.object_name,
      description: `audit-log export ${job.id}`,
      filters: job.filters,
    });
    await completeExport(sql, job.id, file);
    log.info("export written", {
      rows: file.row_count,
      bytes: file.size_bytes,
      duration_ms: Math.round(performance.now() - started),
    });
  } catch (err) {
    if (dispositionOf(err) === "hold") {
      // Postgres or NATS is down: leave it running; it is taken over once its heartbeat is stale.
      log.warn("export interrupted by an unavailable dependency", { error: errorMessage(err) });
    } else {
      log.error("export failed", { error: errorMessage(err) });
      await failExport(sql, job.id, errorMessage(err)).catch(() => {});
    }
  } finally {
    clearInterval(heartbeat);
  }
  return true;
}
