/**
 * The mailer's background work: the scheduler. Mailings and deferred messages are rows in
 * Postgres; this loop runs the scheduler's commands (commands/schedule.ts) every
 * `SCHEDULER_INTERVAL_MS`, and at once when a request wakes it.
 */
import { type CommandDeps, type Logger, Loop, systemActor, uuidv7 } from "@flotilla/backbone";
import { finishEndedMailings, releaseDueDeferred, startDueMailings } from "./commands/schedule.ts";
import type { Clock } from "./domain/clock.ts";

export interface SchedulerDeps extends CommandDeps {
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

/** Deferred messages released per transaction; a full batch means another pass at once. */
const RELEASE_BATCH = 2_000;

export function schedulerLoop(deps: SchedulerDeps): Loop {
  const { clock, intervalMs } = deps;
  const logger = deps.logger.child({ component: "scheduler" });
  return new Loop({
    name: "scheduler",
    logger,
    idleMs: intervalMs,
    // Postgres away, say: the rows wait, a later pass picks them up.
    retry: { baseMs: intervalMs, maxMs: Math.max(intervalMs, 5_000) },
    async pass() {
      const meta = { actor: systemActor(`${deps.service}-scheduler`), correlationId: uuidv7() };
      for (const m of await startDueMailings(deps, { now: clock.now() }, meta)) {
        logger.info(m.complete ? "mailing started" : "mailing fan-out paused; resuming next pass", {
          mailing_id: m.id,
          messages: m.messages,
        });
      }
      const released = await releaseDueDeferred(
        deps,
        { now: clock.now(), limit: RELEASE_BATCH },
        meta,
      );
      if (released > 0) logger.info("deferred messages released", { messages: released });
      for (const id of await finishEndedMailings(deps, { now: clock.now() }, meta)) {
        logger.info("mailing finished", { mailing_id: id });
      }
      return released === RELEASE_BATCH;
    },
  });
}
