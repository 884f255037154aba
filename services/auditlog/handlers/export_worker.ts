/**
 * Writes requested exports to the object store: rows in chain order as NDJSON, gzip-compressed
 * with CompressionStream and streamed into the bucket chunk by chunk, so memory stays flat
 * whatever the size. Jobs are claimed with SKIP LOCKED (one replica per export); a job whose
 * worker stopped beating is taken over. Woken by NOTIFY, with a polling fallback.
 */
import type { ObjectStore } from "@nats-io/obj";
import { dispositionOf, errorMessage, type Logger, type Sql } from "@flotilla/backbone";
import { streamLogs } from "../adapters/audit_repo.ts";
import {
  beat,
  claimExport,
  completeExport,
  type ExportJob,
  EXPORTS_CHANNEL,
  failExport,
} from "../adapters/export_repo.ts";

export interface ExportWorkerOptions {
  sql: Sql;
  bucket: () => Promise<ObjectStore>;
  logger: Logger;
  pollMs?: number;
  /** A running job with no heartbeat for this long belongs to a dead replica. */
  staleMs?: number;
}

export class ExportWorker {
  readonly #o: Required<ExportWorkerOptions>;
  #stopping = false;
  #wakeUp: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: ExportWorkerOptions) {
    this.#o = { pollMs: 2_000, staleMs: 60_000, ...options };
  }

  async start(): Promise<void> {
    try {
      const listener = await this.#o.sql.listen(EXPORTS_CHANNEL, () => this.wake());
      this.#unlisten = () => listener.unlisten();
    } catch (err) {
      this.#o.logger.warn("LISTEN failed; exports are found by polling", {
        error: errorMessage(err),
      });
    }
    this.#loop = this.#run();
  }

  wake(): void {
    this.#wakeUp?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    await this.#unlisten?.().catch(() => {});
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        const job = await claimExport(this.#o.sql, this.#o.staleMs);
        if (job) {
          await this.#write(job);
          continue;
        }
      } catch (err) {
        this.#o.logger.warn("export claim failed; retrying", { error: errorMessage(err) });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#o.pollMs);
        this.#wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeUp = undefined;
    }
  }

  async #write(job: ExportJob): Promise<void> {
    const { sql, logger, staleMs } = this.#o;
    const log = logger.child({ export_id: job.id });
    const heartbeat = setInterval(() => beat(sql, job.id).catch(() => {}), staleMs / 4);
    const started = performance.now();
    let rows = 0;
    async function* ndjson(): AsyncGenerator<string> {
      for await (const chunk of streamLogs(sql, job.filters)) {
        rows += chunk.length;
        yield chunk.map((row) => JSON.stringify(row)).join("\n") + "\n";
      }
    }
    try {
      const body = ReadableStream.from(ndjson())
        .pipeThrough(new TextEncoderStream())
        .pipeThrough(new CompressionStream("gzip"));
      const info = await (await this.#o.bucket()).put({
        name: job.object_name,
        description: `audit-log export ${job.id}`,
      }, body);
      await completeExport(sql, job.id, {
        row_count: rows,
        size_bytes: info.size,
        digest: info.digest,
      });
      log.info("export written", {
        rows,
        bytes: info.size,
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
  }
}
