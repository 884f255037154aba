/**
 * Graceful shutdown. Components register how to stop as they start; on SIGTERM/SIGINT they
 * stop in reverse order: HTTP stops taking requests and finishes those in flight, consumers
 * stop pulling and finish or release what they hold, the relay ends its pass, NATS drains,
 * Postgres closes.
 */
import type { Logger } from "./log.ts";

export class Lifecycle {
  readonly #closers: { name: string; stop: () => Promise<void> | void }[] = [];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  #stopping: Promise<void> | undefined;
  readonly #controller = new AbortController();

  constructor(logger: Logger, timeoutMs = 15_000) {
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
  }

  /** Aborted when shutdown begins; long-running loops watch it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Registers a closer; the last registered runs first. */
  defer(name: string, stop: () => Promise<void> | void): void {
    this.#closers.push({ name, stop });
  }

  /** Runs every closer once, within the timeout; later calls return the same promise. */
  shutdown(reason: string): Promise<void> {
    this.#stopping ??= (async () => {
      this.#logger.info("shutting down", { reason });
      this.#controller.abort();
      const deadline = Date.now() + this.#timeoutMs;
      for (const { name, stop } of [...this.#closers].reverse()) {
        const left = Math.max(0, deadline - Date.now());
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<"timeout">((r) =>
          timer = setTimeout(() => r("timeout"), left)
        );
        try {
          const result = await Promise.race([Promise.resolve(stop()).then(() => "ok"), timedOut]);
          if (result === "timeout") this.#logger.warn("shutdown step timed out", { step: name });
        } catch (err) {
          this.#logger.error("shutdown step failed", { step: name, error: String(err) });
        } finally {
          clearTimeout(timer);
        }
      }
      this.#logger.info("stopped");
    })();
    return this.#stopping;
  }

  /**
   * SIGTERM and SIGINT start the shutdown; the process exits when it is done. A second signal
   * while shutting down exits at once (the impatient Ctrl-C Ctrl-C).
   */
  listen(exit: (code: number) => void = Deno.exit): void {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(signal, () => {
        if (this.#stopping) {
          this.#logger.warn("second signal: exiting without finishing the shutdown", { signal });
          exit(130);
          return;
        }
        this.shutdown(signal).then(() => exit(0), () => exit(1));
      });
    }
  }
}
