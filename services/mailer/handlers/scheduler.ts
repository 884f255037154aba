/**
 * Durable scheduling: mailings and deferred messages are rows in Postgres, and this loop acts on
 * them when their time comes: it starts due mailings (fan-out through the outbox), puts deferred
 * messages whose window opened back on the work queue, and finishes mailings past their end.
 * Every step is safe with several replicas (`FOR UPDATE SKIP LOCKED`) and survives restarts.
 */
import { type Catalog, errorMessage, type Logger, type Sql } from "@flotilla/backbone";
import { finishEndedMailings, releaseDueDeferred, startDueMailings } from "../adapters/repo.ts";
import type { Clock } from "../domain/clock.ts";

export interface SchedulerOptions {
  sql: Sql;
  catalog: Catalog;
  source: string;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #pending = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** One pass over everything that is due. */
  async tick(): Promise<void> {
    const { sql, catalog, source, clock, logger } = this.#o;
    for (const m of await startDueMailings(sql, catalog, source, clock.now())) {
      logger.info(m.complete ? "mailing started" : "mailing fan-out paused; resuming next pass", {
        mailing_id: m.id,
        messages: m.messages,
      });
    }
    const batch = 2_000;
    let released: number;
    do {
      released = await releaseDueDeferred(sql, catalog, source, clock.now(), batch);
      if (released > 0) logger.info("deferred messages released", { messages: released });
    } while (released === batch);
    for (const id of await finishEndedMailings(sql, clock.now())) {
      logger.info("mailing finished", { mailing_id: id });
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Runs a pass now (a mailing was created or changed). */
  wake(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#pending = false;
      try {
        await this.tick();
      } catch (err) {
        // Postgres away, say: the rows wait, the next pass picks them up.
        this.#o.logger.warn("scheduler pass failed; retrying", { error: errorMessage(err) });
      }
      if (!this.#running || this.#pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#o.intervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }
}
