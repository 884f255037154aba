/** Postgres adapter of export jobs: requested by the API, claimed and finished by workers. */
import type { Queryable } from "@flotilla/backbone";
import type { AuditFilters } from "../domain/query.ts";

export type ExportStatus = "pending" | "running" | "completed" | "failed";

export interface ExportJob {
  id: string;
  status: ExportStatus;
  filters: AuditFilters;
  requested_by: string | null;
  object_name: string;
  row_count: number | null;
  size_bytes: number | null;
  digest: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

interface Row
  extends
    Omit<ExportJob, "row_count" | "size_bytes" | "created_at" | "started_at" | "completed_at"> {
  row_count: string | null;
  size_bytes: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const columns = (sql: Queryable) =>
  sql`id, status, filters, requested_by, object_name, row_count, size_bytes, digest, error,
    created_at, started_at, completed_at`;

function toJob(r: Row): ExportJob {
  return {
    ...r,
    row_count: r.row_count === null ? null : Number(r.row_count),
    size_bytes: r.size_bytes === null ? null : Number(r.size_bytes),
    created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    completed_at: r.completed_at?.toISOString() ?? null,
  };
}

export const EXPORTS_CHANNEL = "audit_exports";

export async function createExport(
  sql: Queryable,
  job: { id: string; filters: AuditFilters; requested_by: string | null },
): Promise<ExportJob> {
  const [row] = await sql<Row[]>`
    insert into audit_exports (id, filters, requested_by, object_name)
    values (${job.id}, ${sql.json(job.filters as Record<string, string>)}, ${job.requested_by},
      ${`exports/${job.id}.ndjson.gz`})
    returning ${columns(sql)}`;
  await sql`select pg_notify(${EXPORTS_CHANNEL}, ${job.id})`;
  return toJob(row);
}

export async function getExport(sql: Queryable, id: string): Promise<ExportJob | undefined> {
  const [row] = await sql<Row[]>`select ${columns(sql)} from audit_exports where id = ${id}`;
  return row ? toJob(row) : undefined;
}

export async function listExports(sql: Queryable, limit: number): Promise<ExportJob[]> {
  const rows = await sql<Row[]>`
    select ${columns(sql)} from audit_exports order by created_at desc limit ${limit}`;
  return rows.map(toJob);
}

/**
 * Takes the oldest pending export, or one whose worker stopped beating (a replica that died),
 * without waiting for rows other replicas hold.
 */
export async function claimExport(sql: Queryable, staleMs: number): Promise<ExportJob | undefined> {
  const [row] = await sql<Row[]>`
    update audit_exports set status = 'running', started_at = now(), heartbeat_at = now()
    where id = (
      select id from audit_exports
      where status = 'pending'
        or (status = 'running' and heartbeat_at < now() - make_interval(secs => ${staleMs / 1000}))
      order by created_at
      for update skip locked
      limit 1)
    returning ${columns(sql)}`;
  return row ? toJob(row) : undefined;
}

export async function beat(sql: Queryable, id: string): Promise<void> {
  await sql`update audit_exports set heartbeat_at = now() where id = ${id} and status = 'running'`;
}

export async function completeExport(
  sql: Queryable,
  id: string,
  result: { row_count: number; size_bytes: number; digest: string },
): Promise<void> {
  await sql`
    update audit_exports set status = 'completed', completed_at = now(),
      row_count = ${result.row_count}, size_bytes = ${result.size_bytes}, digest = ${result.digest}
    where id = ${id}`;
}

export async function failExport(sql: Queryable, id: string, error: string): Promise<void> {
  await sql`
    update audit_exports set status = 'failed', completed_at = now(), error = ${error}
    where id = ${id}`;
}
