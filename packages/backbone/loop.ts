/**
 * A wakeable loop: runs passes one after another, sleeping `idleMs` between them unless woken
 * (a NOTIFY arrived, a request created work). A pass says whether there is more to do at once;
 * a pass that fails is retried after a capped, growing delay (Postgres away, say), and the
 * work it did not do waits for the next pass. The outbox relay, the mailer's scheduler and the
 * audit export worker are each one of these.
 */
import { backoffDelay } from "./backoff.ts";
import { errorMessage } from "./errors.ts";
import type { Logger } from "./log.ts";

export interface LoopOptions {
  name: string;
  logger: Logger;
  /** One pass; resolves true when there is more to do right away. */
  pass: (signal: AbortSignal) => Promise<boolean>;
  /** Sleep between passes when there is nothing to do and nobody wakes the loop. */
  idleMs: number;
  /** Delay after a failed pass: grows from `baseMs` to `maxMs`. */
  retry?: { baseMs: number; maxMs: number };
  /** Called for each failed pass (metrics); the loop logs it itself. */
  onError?: (err: unknown) => void;
}

export class Loop {
  readonly name: string;
  readonly #o: LoopOptions;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  /** A wake that came during a pass: the next pass starts without sleeping. */
  #woken = false;

  constructor(options: LoopOptions) {
    this.name = options.name;
    this.#o = options;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Stops after the pass in progress (whose signal is aborted). */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wakeUp?.();
    await this.#running;
  }

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    const { logger, retry = { baseMs: 100, maxMs: 5_000 } } = this.#o;
    let failures = 0;
    while (!this.stopped) {
      this.#woken = false;
      let more = false;
      try {
        more = await this.#o.pass(this.#stop.signal);
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        this.#o.onError?.(err);
        logger.warn(`${this.name} pass failed; retrying`, {
          failures,
          error: errorMessage(err),
        });
        await this.#sleep(backoffDelay(failures, retry), false);
        continue;
      }
      if (this.stopped) break;
      if (more || this.#woken) continue;
      await this.#sleep(this.#o.idleMs, true);
    }
  }

  /** Sleeps `ms`; a wake ends the sleep early when `wakeable`, a stop always does. */
  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = wakeable ? done : () => this.stopped && done();
      if (this.stopped) done();
    });
  }
}
