import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { DLQ_STREAM } from "../../shared/mod.ts";
import { eventually, integration, testEnv } from "../../tools/harness.ts";
import { appendRecords, verifyChain } from "./adapters/audit_repo.ts";
import { recordFromEvent } from "./domain/record.ts";
import { publishEvents, sampleEvent, startInProcess } from "./testdata/fixture.ts";

const record = (n: number) => recordFromEvent(sampleEvent(n));

integration(
  "appends skip a redelivered event and a duplicate inside the batch before hashing: one gap-free chain",
  async () => {
    await using env = await testEnv();
    await env.migrate("auditlog");
    const sql = env.sql();
    const [a, b, c, d] = [record(1), record(2), record(3), record(4)];
    // A duplicate inside one batch.
    const first = await sql.begin((tx) => appendRecords(tx, [a, b, a]));
    assert.deepEqual(first, { stored: 2, first: 1, last: 2 });
    // A redelivery (b) together with new events and a duplicate of a new one (c).
    const second = await sql.begin((tx) => appendRecords(tx, [b, c, c, d]));
    assert.deepEqual(second, { stored: 2, first: 3, last: 4 });
    // A batch of nothing but redeliveries leaves the head alone.
    const third = await sql.begin((tx) => appendRecords(tx, [d, a]));
    assert.deepEqual(third, { stored: 0, first: 5, last: 4 });
    const rows = await sql`select seq::int, event_id from audit_logs order by seq`;
    assert.deepEqual(
      rows.map((r) => [r.seq, r.event_id]),
      [[1, a.event_id], [2, b.event_id], [3, c.event_id], [4, d.event_id]],
    );
    const report = await verifyChain(sql);
    assert.deepEqual(
      { ok: report.ok, rows: report.rows_checked, head: report.head.seq },
      { ok: true, rows: 4, head: 4 },
      JSON.stringify(report.first_break),
    );
  },
);

integration(
  "an append waiting on the chain head skips what the holder committed meanwhile",
  async () => {
    await using env = await testEnv();
    await env.migrate("auditlog");
    const sql = env.sql();
    const [a, b, c] = [record(1), record(2), record(3)];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const holder = sql.begin(async (tx) => {
      const result = await appendRecords(tx, [a, b]);
      holding();
      await gate;
      return result;
    });
    await held;
    // b is not committed yet when this starts: only the look-up under the lock can see it.
    const waiter = sql.begin((tx) => appendRecords(tx, [b, c]));
    await new Promise((r) => setTimeout(r, 200));
    release();
    assert.deepEqual(await holder, { stored: 2, first: 1, last: 2 });
    assert.deepEqual(await waiter, { stored: 1, first: 3, last: 3 });
    const report = await verifyChain(sql);
    assert.deepEqual({ ok: report.ok, head: report.head.seq }, { ok: true, head: 3 });
  },
);

integration(
  "without the inbox, events published again under another message id are stored once",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env, { batchSize: 100 });
    const events = Array.from({ length: 300 }, (_, i) => sampleEvent(i + 1));
    await publishEvents(audit.nc, events);
    await eventually("300 rows", async () => (await audit.count()) === 300);
    // Redeliveries the server cannot de-duplicate, and each twice in the same stretch.
    const again = events.slice(0, 100).flatMap((e) =>
      [1, 2].map((k) => ({
        subject: "audit.recorded",
        body: JSON.stringify(e),
        msgID: `again-${k}-${e.id}`,
      }))
    );
    await publishEvents(audit.nc, [...again, sampleEvent(1_000)]);
    await eventually("301 rows", async () => (await audit.count()) === 301);
    await new Promise((r) => setTimeout(r, 300)); // would-be duplicates get their chance
    const [stats] = await audit.sql`
      select count(*)::int as n, count(distinct event_id)::int as ids, max(seq)::int as hi
      from audit_logs`;
    assert.deepEqual(stats, { n: 301, ids: 301, hi: 301 });
    const [{ n: inbox }] = await audit.sql`select count(*)::int as n from inbox`;
    assert.equal(inbox, 0, "the inbox is not used");
    // A redelivery is a no-op, not a failure handed to the dead letters.
    const dlq = await (await jetstreamManager(audit.nc)).streams.info(DLQ_STREAM);
    assert.equal(dlq.state.messages, 0);
    const report = await verifyChain(audit.sql);
    assert.deepEqual({ ok: report.ok, head: report.head.seq }, { ok: true, head: 301 });
  },
);
