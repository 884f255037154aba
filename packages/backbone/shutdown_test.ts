import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { eventually, integration, spawnService, testCatalog, testEnv } from "@flotilla/testkit";
import { createEvent } from "./envelope.ts";

integration(
  "SIGTERM in the middle of batches loses nothing; SIGKILL duplicates nothing",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    const js = jetstream(nc);
    const total = 3_000;
    for (let start = 0; start < total; start += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          js.publish(
            "test.happened",
            JSON.stringify(createEvent({
              type: "test.happened",
              source: "test",
              subject: "s",
              data: { n: start + i },
            })),
          )),
      );
    }
    const sql = env.sql();
    await sql`create table effects (n int primary key, at timestamptz default now())`;
    const worker = await spawnService(env, {
      main: "packages/backbone/testdata/batch_worker.ts",
      service: "batch-worker",
    });
    const stored = async () => (await sql`select count(*)::int as n from effects`)[0].n as number;
    await eventually("some batches stored", async () => (await stored()) >= 300, 30_000);

    const status = await worker.kill("SIGTERM");
    assert.equal(status.code, 0, `graceful exit:\n${worker.output().slice(-2000)}`);
    const afterTerm = await stored();
    assert.ok(afterTerm < total, "stopped mid-stream");
    const [{ n: handled }] = await sql`select count(*)::int as n from inbox`;
    assert.equal(handled, afterTerm, "batches commit whole: effects and inbox agree");

    await worker.restart();
    await eventually("more stored", async () => (await stored()) >= afterTerm + 300, 30_000);
    await worker.kill("SIGKILL"); // mid-batch, no chance to clean up
    await worker.restart();
    await eventually("all stored", async () => (await stored()) === total, 60_000);
    const [row] =
      await sql`select count(distinct n)::int as n, min(n) as lo, max(n) as hi from effects`;
    assert.deepEqual([row.n, row.lo, row.hi], [total, 0, total - 1]);
    const [inbox] = await sql`select count(*)::int as n from inbox`;
    assert.equal(inbox.n, total, "each event recorded once in the inbox");
  },
);
