/**
 * An export's file in the object store: rows in chain order as NDJSON, gzip-compressed with
 * CompressionStream and streamed into the bucket chunk by chunk, so memory stays flat
 * whatever the size.
 */
import type { ObjectStore } from "@nats-io/obj";
import type { Sql } from "@flotilla/backbone";
import type { AuditFilters } from "../domain/query.ts";
import { streamLogs } from "./audit_repo.ts";

export interface ExportFile {
  row_count: number;
  size_bytes: number;
  digest: string;
}

export async function putExportFile(
  sql: Sql,
  bucket: ObjectStore,
  file: { name: string; description: string; filters: AuditFilters },
): Promise<ExportFile> {
  let rows = 0;
  async function* ndjson(): AsyncGenerator<string> {
    for await (const chunk of streamLogs(sql, file.filters)) {
      rows += chunk.length;
      yield chunk.map((row) => JSON.stringify(row)).join("\n") + "\n";
    }
  }
  const body = ReadableStream.from(ndjson())
    .pipeThrough(new TextEncoderStream())
    .pipeThrough(new CompressionStream("gzip"));
  const info = await bucket.put({ name: file.name, description: file.description }, body);
  return { row_count: rows, size_bytes: info.size, digest: info.digest };
}
