/**
 * The export worker: a Loop that runs exports one after another, woken by the NOTIFY of a
 * new request (from any replica) and polling `idleMs` in case a notification is lost.
 */
import { errorMessage, Loop, type Worker } from "@flotilla/backbone";
import { EXPORTS_CHANNEL } from "./adapters/export_repo.ts";
import { type RunExportDeps, runNextExport } from "./commands/run_export.ts";

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
