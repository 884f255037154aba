/**
 * Transactional outbox. `enqueue` writes events in the caller's transaction, next to the state
 * change they announce; the relay publishes them to JetStream with `Nats-Msg-Id = event id`,
 * in order per aggregate, then deletes them. NATS down means rows wait here; nothing is lost.
 */
import type { NatsConnection } from "@nats-io/transport";
import { publishAll } from "./batch_publish.ts";
import { type Catalog, subjectOf } from "./catalog.ts";
import type { Queryable, Sql } from "./db.ts";
import type { Envelope } from "./envelope.ts";
import { issuesFromZod, ValidationError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { Loop } from "./loop.ts";
import type { Metrics } from "./metrics.ts";
import { carrying, publishSpan, traced } from "./telemetry/messaging.ts";
import { tracing } from "./telemetry/trace.ts";

export const OUTBOX_CHANNEL = "flotilla_outbox";
const encoder = new TextEncoder();

/**
 * Validates each event's data against the catalog and writes it to the outbox. `headers` go
 * out with the message (the same for all, or one record per event): pass
 * `{ traceparent: c.get("traceparent") }` from a request (or `ctx.traceparent` from a
 * consumer) so the trace follows the event. Commands do this themselves.
 */
export async function enqueue(
  tx: Queryable,
  catalog: Catalog,
  events: Envelope | Envelope[],
  headers: Record<string, string> | Record<string, string>[] = {},
): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const ids: string[] = [];
  const subjects: string[] = [];
  const aggregates: string[] = [];
  const payloads: string[] = [];
  const headerTexts = Array.isArray(headers)
    ? headers.map((h) => JSON.stringify(h))
    : new Array<string>(list.length).fill(JSON.stringify(headers));
  if (headerTexts.length !== list.length) {
    throw new Error(`enqueue: ${list.length} events but ${headerTexts.length} header records`);
  }
  for (const event of list) {
    const spec = catalog.events[event.type];
    if (!spec) throw new Error(`Event type "${event.type}" is not in the catalog`);
    const checked = spec.schema.safeParse(event.data);
    if (!checked.success) {
      throw ValidationError.of(`Cannot emit ${event.type}`, issuesFromZod(checked.error));
    }
    ids.push(event.id);
    subjects.push(subjectOf(catalog, event.type, event.source));
    aggregates.push(`${event.type.split(".")[0]}:${event.subject}`);
    payloads.push(JSON.stringify(event));
  }
  // One statement whose text does not depend on the number of events: Postgres and the driver
  // prepare it once per connection, and the notification rides along. Rows get their seq in
  // the order given (with ordinality), which keeps the events of one aggregate in order.
  await tx`
    with written as (
      insert into outbox (event_id, subject, aggregate, headers, payload)
      select id, subject, aggregate, headers::jsonb, payload
      from unnest(${tx.array(ids)}::uuid[], ${tx.array(subjects)}::text[],
                  ${tx.array(aggregates)}::text[], ${tx.array(headerTexts)}::text[],
                  ${tx.array(payloads)}::text[])
        with ordinality as e(id, subject, aggregate, headers, payload, n)
      order by n
      returning 1
    )
    select pg_notify(${OUTBOX_CHANNEL}, '') from (select 1 from written limit 1) w`;
}

export interface RelayOptions {
  sql: Sql;
  nc: NatsConnection;
  logger: Logger;
  metrics?: Metrics;
  batchSize?: number;
  /** Polling fallback when no notification arrives (a lost LISTEN connection, say). */
  pollMs?: number;
  /** Fault injection for tests: runs after publishing, before the rows are deleted. */
  afterPublish?: (eventIds: string[]) => void | Promise<void>;
}

interface OutboxRow {
  seq: string;
  event_id: string;
  subject: string;
  headers: Record<string, string>;
  payload: string;
  created_at: Date;
}

export class OutboxRelay {
  readonly #o: Required<Omit<RelayOptions, "metrics" | "afterPublish">> & RelayOptions;
  /** A notification wakes it; one that arrives during a pass makes it run another. */
  readonly #loop: Loop;
  #started = false;
  #deletedSinceVacuum = 0;
  #lastVacuum = 0;
  #vacuuming = false;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: RelayOptions) {
    this.#o = {
      ...options,
      batchSize: options.batchSize ?? 500,
      pollMs: options.pollMs ?? 1_000,
    };
    this.#loop = new Loop({
      name: "outbox relay",
      logger: options.logger,
      pass: () => this.#pass(),
      idleMs: this.#o.pollMs,
      retry: { baseMs: 100, maxMs: 5_000 },
      onError: () => options.metrics?.outboxErrors.inc(),
    });
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const { sql, batchSize } = this.#o;
    return await sql.begin(async (tx) => {
      // Rows another relay holds are skipped; a row is taken only if no earlier row of its
      // aggregate is left behind (held by another relay), which keeps per-aggregate order.
      // The rows left behind are those below the batch's last seq that are not in it: one
      // range scan, however many rows of one hot aggregate the batch holds.
      const rows = await tx<OutboxRow[]>`
        with batch as materialized (
          select seq, event_id, subject, aggregate, headers, payload, created_at
          from outbox order by seq limit ${batchSize}
          for update skip locked
        ),
        behind as (
          select o.aggregate, min(o.seq) as seq from outbox o
          where o.seq < (select max(seq) from batch)
            and not exists (select 1 from batch b where b.seq = o.seq)
          group by o.aggregate
        )
        select b.seq, b.event_id, b.subject, b.headers, b.payload, b.created_at
        from batch b left join behind h on h.aggregate = b.aggregate
        where h.seq is null or h.seq > b.seq
        order by b.seq`;
      if (rows.length === 0) return 0;
      const spans = tracing
        ? rows.map((row) =>
          publishSpan(row.subject, row.event_id, row.headers?.traceparent, row.created_at)
        )
        : [];
      // Publishes are pipelined on one connection, so the server stores them in this order.
      await traced(
        spans,
        () =>
          publishAll(
            this.#o.nc,
            rows.map((row, i) => ({
              subject: row.subject,
              payload: encoder.encode(row.payload),
              msgId: row.event_id,
              headers: tracing ? carrying(row.headers ?? {}, spans[i]) : row.headers ?? {},
            })),
          ),
      );
      await this.#o.afterPublish?.(rows.map((r) => r.event_id));
      await tx`delete from outbox where seq = any(${tx.array(rows.map((r) => r.seq))}::bigint[])`;
      return rows.length;
    });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const listener = await this.#o.sql.listen(OUTBOX_CHANNEL, () => this.#loop.wake())
      .catch((err) => {
        this.#o.logger.warn("outbox LISTEN failed; polling only", { error: String(err) });
        return undefined;
      });
    this.#unlisten = listener?.unlisten;
    this.#loop.start();
  }

  /** One batch; there is more to do at once when it was full. */
  async #pass(): Promise<boolean> {
    const published = await this.publishBatch();
    this.#o.metrics?.outboxPublished.inc(published);
    this.#deletedSinceVacuum += published;
    this.#vacuumIfDue();
    return published >= this.#o.batchSize;
  }

  /**
   * The outbox is a queue table: every row is deleted moments after it was written. The
   * relay's scans walk the primary key from its low end, and thousands of dead entries pile up
   * there between autovacuum runs, slowing every pass; vacuuming the small table often keeps
   * the walk short.
   */
  #vacuumIfDue(): void {
    const now = Date.now();
    if (this.#vacuuming || this.#deletedSinceVacuum < 2_000 || now - this.#lastVacuum < 5_000) {
      return;
    }
    this.#deletedSinceVacuum = 0;
    this.#lastVacuum = now;
    this.#vacuuming = true;
    // Beside the relay loop, never in its way.
    this.#o.sql.unsafe("vacuum outbox")
      .catch((err) => this.#o.logger.warn("outbox vacuum failed", { error: String(err) }))
      .finally(() => this.#vacuuming = false);
  }

  /** Stops after the pass in progress; rows not yet published stay for the next start. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#unlisten?.().catch(() => {});
  }

  /** Rows waiting to be published. */
  async pending(): Promise<number> {
    const [row] = await this.#o.sql<{ n: number }[]>`select count(*)::int as n from outbox`;
    return row.n;
  }
}
