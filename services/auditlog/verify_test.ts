import assert from "node:assert/strict";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { publishEvents, sampleEvent, startInProcess } from "./testing.ts";

integration("verify reports the first row edited or removed directly in SQL", async () => {
  await using env = await testEnv();
  const audit = await startInProcess(env);
  const events = Array.from({ length: 300 }, (_, i) => sampleEvent(i));
  await publishEvents(audit.nc, events);
  await eventually("300 rows", async () => (await audit.count()) === 300);
  const verify = async () => await (await audit.app.request("/api/v1/audit-logs/verify")).json();
  assert.equal((await verify()).ok, true);

  // Someone with the table owner's rights bypasses the append-only trigger.
  const tamper = (statement: string) =>
    audit.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx.unsafe(statement);
    });

  await tamper(`update audit_logs set changes = '{"before":null,"after":{"balance":1000000}}'
    where seq = 250`);
  let report = await verify();
  assert.equal(report.ok, false);
  assert.equal(report.first_break.seq, 250);
  assert.equal(report.first_break.reason, "altered");
  assert.equal(
    report.first_break.event_id,
    (await audit.sql`
    select event_id from audit_logs where seq = 250`)[0].event_id,
  );

  // An earlier removal is the first break now.
  await tamper(`delete from audit_logs where seq = 120`);
  report = await verify();
  assert.equal(report.first_break.seq, 120);
  assert.equal(report.first_break.reason, "removed");
  assert.equal(report.rows_checked, 119);
});
