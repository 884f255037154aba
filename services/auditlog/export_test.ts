import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Objm } from "@nats-io/obj";
import { AUDIT_EXPORTS_BUCKET } from "@flotilla/contracts";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { startInProcess } from "./testing.ts";

const ROWS = 26_000;

type Audit = Awaited<ReturnType<typeof startInProcess>>;

/**
 * Rows g = 1..count straight into the table (inserts are allowed): one second apart from
 * 2026-01-01, actors u-(g mod 10), even g from accounts; with `blob`, ~1 KiB of random hex
 * each, so the gzip file stays large.
 */
function insertRows(audit: Audit, count: number, options: { blob: boolean }) {
  const metadata = options.blob
    ? audit.sql`jsonb_build_object('blob', (select string_agg(md5(g || ':' || i || random()), '')
        from generate_series(1, 32) i))`
    : audit.sql`'{}'::jsonb`;
  return audit.sql`
    insert into audit_logs (seq, event_id, occurred_at, actor_type, actor_id, action,
      target_type, target_id, service, correlation_id, changes, metadata, prev_hash, hash)
    select g, 'e-' || g, timestamptz '2026-01-01 00:00:00Z' + g * interval '1 second', 'user',
      'u-' || (g % 10), 'account.updated', 'account', (g % 100)::text,
      case when g % 2 = 0 then 'accounts' else 'transactions' end, 'c-' || g,
      jsonb_build_object('before', null, 'after', jsonb_build_object('balance', g)),
      ${metadata}, repeat('0', 64), repeat('0', 64)
    from generate_series(1, ${count}::int) g`;
}

const postExport = (audit: Audit, body: unknown) =>
  audit.app.request("/api/v1/audit-logs/exports", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

integration(
  "an export over 10 MiB is written to the object store, listed, downloaded and decompressed",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    await insertRows(audit, ROWS, { blob: true });
    const accepted = await postExport(audit, {});
    assert.equal(accepted.status, 202);
    const { id, links } = await accepted.json();
    assert.equal(accepted.headers.get("location"), `/api/v1/audit-logs/exports/${id}`);

    const done = await eventually(
      "the export to complete",
      async () => {
        const job = await (await audit.app.request(links.self)).json();
        assert.notEqual(job.status, "failed", job.error);
        return job.status === "completed" ? job : undefined;
      },
      60_000,
      200,
    );
    assert.equal(done.row_count, ROWS);
    assert.ok(done.size_bytes > 10 * 1024 * 1024, `size ${done.size_bytes}`);
    assert.match(done.digest, /^SHA-256=/);

    const listed = await (await audit.app.request("/api/v1/audit-logs/exports")).json();
    assert.ok(listed.data.some((j: { id: string }) => j.id === id));
    const objects = await (await new Objm(audit.nc).open(AUDIT_EXPORTS_BUCKET)).list();
    const object = objects.find((o) => o.name === done.object_name);
    assert.equal(object?.size, done.size_bytes);

    const res = await audit.app.request(links.download);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/gzip");
    assert.equal(Number(res.headers.get("content-length")), done.size_bytes);
    const [raw, forLines] = res.body!.tee();
    const hashing = (async () => {
      const h = createHash("sha256");
      let bytes = 0;
      for await (const chunk of raw) h.update(chunk), bytes += chunk.length;
      return { digest: `SHA-256=${h.digest("base64url")}`, bytes };
    })();
    let lines = 0;
    let first: { seq: number; id: string; metadata: { blob: string } } | undefined;
    let rest = "";
    for await (
      const text of forLines.pipeThrough(new DecompressionStream("gzip"))
        .pipeThrough(new TextDecoderStream())
    ) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      if (!first && parts.length > 0) first = JSON.parse(parts[0]);
      lines += parts.length;
    }
    assert.equal(rest, "", "the file ends with a newline");
    assert.equal(lines, ROWS);
    assert.equal(first?.seq, 1, "chain order");
    assert.equal(first?.id, "e-1");
    assert.equal(first?.metadata.blob.length, 1024);
    const { digest, bytes } = await hashing;
    assert.equal(bytes, done.size_bytes);
    assert.equal(digest.replace(/=+$/, ""), done.digest.replace(/=+$/, ""));
  },
);

integration(
  "an export applies its filters; bad filters and unknown exports are refused",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    await insertRows(audit, 1_000, { blob: false });
    const res = await postExport(audit, {
      service: "accounts",
      actor_id: "u-4",
      to: "2026-01-01T00:05:00Z",
    });
    assert.equal(res.status, 202);
    const { links } = await res.json();
    const job = await eventually("completed", async () => {
      const j = await (await audit.app.request(links.self)).json();
      return j.status === "completed" ? j : undefined;
    });
    // even seconds below 300 with g % 10 = 4: 4, 14, …, 294
    assert.equal(job.row_count, 30);
    assert.deepEqual(job.filters, {
      service: "accounts",
      actor_id: "u-4",
      to: "2026-01-01T00:05:00Z",
    });

    const bad = await postExport(audit, { service: "", colour: "red" });
    assert.equal(bad.status, 400);
    const paths = (await bad.json()).errors.map((e: { path: string }) => e.path).join(",");
    assert.match(paths, /service/);
    const unknown = await audit.app.request(
      "/api/v1/audit-logs/exports/0190f0c2-0000-7000-8000-000000000000/download",
    );
    assert.equal(unknown.status, 404);
  },
);
