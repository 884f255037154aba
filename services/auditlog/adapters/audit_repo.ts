/** Postgres adapter of the audit log: chained appends, queries, the chain walk. */
import type { Queryable, Sql, TransactionSql } from "@flotilla/backbone";
import {
  canonicalRecord,
  type ChainBreak,
  type ChainedRecord,
  type ChainKey,
  type ChainKeys,
  chainLinks,
  ChainVerifier,
} from "../domain/chain.ts";
import {
  type Checkpoint,
  type CheckpointKeys,
  type CheckpointReport,
  compareCheckpoints,
} from "../domain/checkpoint.ts";
import type { AuditFilters, Cursor } from "../domain/query.ts";
import type { AuditRecord } from "../domain/record.ts";

/** One row as the API shows it: the event id as `id`, and when it was stored. */
export type AuditLogView = Omit<ChainedRecord, "event_id"> & { id: string; recorded_at: string };

/** A row as Postgres returns it: actor and target flattened into columns. */
type Row =
  & Pick<
    AuditRecord,
    "event_id" | "action" | "service" | "correlation_id" | "causation_id" | "changes" | "metadata"
  >
  & Pick<ChainedRecord, "prev_hash" | "hash" | "key_id">
  & {
    seq: string;
    occurred_at: Date;
    recorded_at: Date;
    actor_type: AuditRecord["actor"]["type"];
    actor_id: string;
    actor_ip: string | null;
    actor_user_agent: string | null;
    target_type: string;
    target_id: string;
  };

function chained(r: Row): ChainedRecord {
  return {
    seq: Number(r.seq),
    event_id: r.event_id,
    occurred_at: r.occurred_at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, ip: r.actor_ip, user_agent: r.actor_user_agent },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    service: r.service,
    correlation_id: r.correlation_id,
    causation_id: r.causation_id,
    changes: r.changes,
    metadata: r.metadata,
    prev_hash: r.prev_hash,
    hash: r.hash,
    key_id: r.key_id,
  };
}

function toView(r: Row): AuditLogView {
  const { event_id, seq, prev_hash, hash, key_id, ...rest } = chained(r);
  return {
    id: event_id,
    seq,
    ...rest,
    recorded_at: r.recorded_at.toISOString(),
    prev_hash,
    hash,
    key_id,
  };
}

/**
 * Appends records at the end of the chain in one multi-row insert, hashed with `key`. The
 * head row is locked for the rest of the transaction, so replicas append in turn and the chain
 * stays linear. Only the hashing and the insert happen under the lock: canonical texts and
 * row JSON are built before it.
 */
export async function appendRecords(
  tx: TransactionSql,
  records: AuditRecord[],
  key: ChainKey,
): Promise<{ first: number; last: number }> {
  const prepared = records.map((r) => ({
    canonical: canonicalRecord(r),
    // The row without seq and hashes; they are spliced in front once the head is known.
    body: JSON.stringify({
      event_id: r.event_id,
      occurred_at: r.occurred_at,
      actor_type: r.actor.type,
      actor_id: r.actor.id,
      actor_ip: r.actor.ip,
      actor_user_agent: r.actor.user_agent,
      action: r.action,
      target_type: r.target.type,
      target_id: r.target.id,
      service: r.service,
      correlation_id: r.correlation_id,
      causation_id: r.causation_id,
      changes: r.changes,
      metadata: r.metadata,
    }).slice(1),
  }));
  const [head] = await tx<{ seq: string; hash: string }[]>`
    select seq, hash from audit_chain_head for update`;
  const links = chainLinks(
    { seq: Number(head.seq), hash: head.hash },
    prepared.map((p) => p.canonical),
    key,
  );
  const keyId = JSON.stringify(key.id);
  const rows = links.map((l, i) =>
    `{"seq":${l.seq},"prev_hash":"${l.prev_hash}","hash":"${l.hash}","key_id":${keyId},${
      prepared[i].body
    }`
  );
  const last = links[links.length - 1];
  // One statement, one parameter for the whole batch: cheaper to bind and parse than
  // thousands of parameters, and the head moves in the same round trip.
  const moved = await tx`
    with inserted as (
      insert into audit_logs (seq, event_id, occurred_at, actor_type, actor_id, actor_ip,
        actor_user_agent, action, target_type, target_id, service, correlation_id, causation_id,
        changes, metadata, prev_hash, hash, key_id)
      select seq, event_id, occurred_at, actor_type, actor_id, actor_ip, actor_user_agent, action,
        target_type, target_id, service, correlation_id, causation_id, changes, metadata,
        prev_hash, hash, key_id
      from json_to_recordset(${`[${rows.join(",")}]`}::text::json) as r(seq bigint,
        event_id text, occurred_at timestamptz, actor_type text, actor_id text, actor_ip text,
        actor_user_agent text, action text, target_type text, target_id text, service text,
        correlation_id text, causation_id text, changes jsonb, metadata jsonb, prev_hash text,
        hash text, key_id text)
      returning 1)
    update audit_chain_head set seq = ${last.seq}, hash = ${last.hash}
    where (select count(*) from inserted) = ${rows.length}`;
  if (moved.count !== 1) {
    throw new Error(`Cannot append ${rows.length} audit rows: the chain head did not move`);
  }
  return { first: links[0].seq, last: last.seq };
}

function conditions(sql: Queryable, f: AuditFilters) {
  const eq = (column: string, value: string | undefined) =>
    value === undefined ? sql`` : sql`and ${sql(column)} = ${value}`;
  return sql`
    ${eq("actor_id", f.actor_id)} ${eq("action", f.action)} ${eq("target_type", f.target_type)}
    ${eq("target_id", f.target_id)} ${eq("service", f.service)}
    ${eq("correlation_id", f.correlation_id)}
    ${f.from ? sql`and occurred_at >= ${f.from}::timestamptz` : sql``}
    ${f.to ? sql`and occurred_at < ${f.to}::timestamptz` : sql``}`;
}

/** A page, newest first; `next` is set when there may be more. */
export async function searchLogs(
  sql: Queryable,
  filters: AuditFilters,
  page: { limit: number; after?: Cursor },
): Promise<{ items: AuditLogView[]; next: Cursor | undefined }> {
  const after = page.after
    ? sql`and (occurred_at, seq) < (${page.after.occurred_at}::timestamptz, ${page.after.seq})`
    : sql``;
  const rows = await sql<Row[]>`
    select * from audit_logs
    where true ${conditions(sql, filters)} ${after}
    order by occurred_at desc, seq desc
    limit ${page.limit + 1}`;
  const items = rows.slice(0, page.limit).map(toView);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > page.limit ? { occurred_at: last.occurred_at, seq: last.seq } : undefined,
  };
}

export async function findLog(sql: Queryable, eventId: string): Promise<AuditLogView | undefined> {
  const [row] = await sql<Row[]>`select * from audit_logs where event_id = ${eventId}`;
  return row ? toView(row) : undefined;
}

/** Rows matching the filters in chain order, a chunk at a time (for exports). */
export async function* streamLogs(
  sql: Sql,
  filters: AuditFilters,
  chunk = 1_000,
): AsyncGenerator<AuditLogView[]> {
  const cursor = sql<Row[]>`
    select * from audit_logs where true ${conditions(sql, filters)} order by seq`.cursor(chunk);
  for await (const rows of cursor) yield rows.map(toView);
}

export interface VerifyReport {
  ok: boolean;
  rows_checked: number;
  head: { seq: number; hash: string };
  first_break: ChainBreak | null;
  /** The chain against the signed checkpoints kept outside Postgres. */
  checkpoints: CheckpointReport;
}

/** Walks rows after `from` up to `to` in one snapshot; the first break, if any. */
async function walk(
  tx: TransactionSql,
  keys: ChainKeys,
  from: { seq: number; hash: string } | undefined,
  to: { seq: number; hash: string },
): Promise<{ checked: number; broken: ChainBreak | undefined }> {
  const verifier = new ChainVerifier(keys, from);
  const rows = tx<Row[]>`
    select * from audit_logs where seq > ${from?.seq ?? 0} and seq <= ${to.seq} order by seq`;
  walk: for await (const chunk of rows.cursor(2_000)) {
    for (const row of chunk) if (!verifier.add(chained(row))) break walk;
  }
  return { checked: verifier.checked, broken: verifier.finish(to) };
}

const snapshot = "isolation level repeatable read read only";

/**
 * Walks the whole chain in one snapshot and reports the first row altered or removed, then
 * compares the signed checkpoints with the hashes stored at their seqs.
 */
export async function verifyChain(
  sql: Sql,
  keys: { chain: ChainKeys; checkpoints: CheckpointKeys },
  checkpoints: Checkpoint[],
): Promise<VerifyReport> {
  return await sql.begin(snapshot, async (tx) => {
    const [h] = await tx<{ seq: string; hash: string }[]>`select seq, hash from audit_chain_head`;
    const head = { seq: Number(h.seq), hash: h.hash };
    const { checked, broken } = await walk(tx, keys.chain, undefined, head);
    const seqs = checkpoints.map((c) => c.seq);
    const stored = new Map(
      (await tx<{ seq: string; hash: string }[]>`
        select seq, hash from audit_logs where seq = any(${seqs}::bigint[])`)
        .map((r) => [Number(r.seq), r.hash]),
    );
    const report = await compareCheckpoints(keys.checkpoints, checkpoints, stored);
    return {
      ok: broken === undefined && report.first_mismatch === null,
      rows_checked: checked,
      head,
      first_break: broken ?? null,
      checkpoints: report,
    };
  }) as VerifyReport;
}

/**
 * The head, once the rows since the last checkpoint are found to extend it intact (what a
 * new checkpoint may vouch for); a break otherwise.
 */
export async function headExtending(
  sql: Sql,
  keys: ChainKeys,
  last: { seq: number; hash: string } | undefined,
): Promise<{ head: { seq: number; hash: string }; broken: ChainBreak | undefined }> {
  return await sql.begin(snapshot, async (tx) => {
    const [h] = await tx<{ seq: string; hash: string }[]>`select seq, hash from audit_chain_head`;
    const head = { seq: Number(h.seq), hash: h.hash };
    if (last && head.seq === last.seq && head.hash === last.hash) {
      return { head, broken: undefined };
    }
    const [anchor] = last
      ? await tx<{ hash: string }[]>`select hash from audit_logs where seq = ${last.seq}`
      : [];
    if (last && anchor?.hash !== last.hash) {
      const detail = `row ${last.seq} no longer has the hash the last checkpoint signed`;
      return { head, broken: { seq: last.seq, event_id: null, reason: "altered", detail } };
    }
    return { head, broken: (await walk(tx, keys, last, head)).broken };
  }) as { head: { seq: number; hash: string }; broken: ChainBreak | undefined };
}
