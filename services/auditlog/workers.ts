/**
 * The auditlog's background work. The export worker: a Loop that runs exports one after
 * another, woken by the NOTIFY of a new request (from any replica) and polling `idleMs` in
 * case a notification is lost. The checkpoint worker: signs a checkpoint of the chain head
 * every `intervalMs` when it moved.
 */
import { errorMessage, Loop, type Metrics, type Worker } from "@flotilla/backbone";
import { EXPORTS_CHANNEL } from "./adapters/export_repo.ts";
import { type RunExportDeps, runNextExport } from "./commands/run_export.ts";
import { type CheckpointDeps, writeCheckpoint } from "./commands/write_checkpoint.ts";

export interface ExportWorker extends Worker {
  start(): Promise<void>;
  /** Runs the next export now (a request on this replica). */
  wake(): void;
}

export function exportWorker(deps: RunExportDeps & { idleMs: number }): ExportWorker {
  const logger = deps.logger.child({ component: "export-worker" });
  const loop = new Loop({
    name: "export worker",
    logger,
    idleMs: deps.idleMs,
    pass: () => runNextExport({ ...deps, logger }),
  });
  let unlisten: (() => Promise<void>) | undefined;
  return {
    name: loop.name,
    async start() {
      try {
        const listener = await deps.sql.listen(EXPORTS_CHANNEL, () => loop.wake());
        unlisten = () => listener.unlisten();
      } catch (err) {
        logger.warn("LISTEN failed; exports are found by polling", { error: errorMessage(err) });
      }
      loop.start();
    },
    wake: () => loop.wake(),
    async stop() {
      await loop.stop();
      await unlisten?.().catch(() => {});
    },
  };
}

export function checkpointWorker(
  deps: CheckpointDeps & { intervalMs: number; metrics?: Metrics },
): Loop {
  const signed = deps.metrics?.gauge("audit_checkpoint_seq", "Seq of the newest checkpoint");
  return new Loop({
    name: "checkpoint worker",
    logger: deps.logger.child({ component: "checkpoint-worker" }),
    idleMs: deps.intervalMs,
    retry: { baseMs: 1_000, maxMs: deps.intervalMs },
    pass: async () => {
      const checkpoint = await writeCheckpoint(deps);
      if (checkpoint) signed?.set(checkpoint.seq);
      return false;
    },
  });
}
