import assert from "node:assert/strict";
import { integration, testEnv } from "@flotilla/testkit";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { inTransaction, sortOut } from "./inbox.ts";

Deno.test("the first message of each new event is handled; seen or repeated ones are duplicates", () => {
  const a = fakeDelivery({ n: 1 });
  const b = fakeDelivery({ n: 2 });
  const c = fakeDelivery({ n: 3 });
  const again = { ...a, msg: fakeDelivery({ n: 1 }).msg };
  const { handle, outcomes } = sortOut([a, b, again, c], new Set([a.event.id, c.event.id]));
  assert.deepEqual(handle, [a, c]);
  assert.deepEqual(outcomes, ["ack", "duplicate", "duplicate", "ack"]);
});

integration(
  "the inbox claim commits with the handler's effect, or rolls back with it; afterCommit runs only after a commit",
  async () => {
    await using env = await testEnv();
    await env.migrate();
    const sql = env.sql();
    await sql`create table effects (n int not null)`;
    let fail = true;
    const committed: number[][] = [];
    const handle = inTransaction<{ n: number }>(
      sql,
      "test-worker",
      async (fresh, { tx, afterCommit }) => {
        const ns = fresh.map((d) => d.event.data.n);
        await tx`insert into effects ${tx(ns.map((n) => ({ n })))}`;
        afterCommit(() => committed.push(ns));
        if (fail) throw new Error("crash after the write");
      },
    );
    const one = fakeDelivery({ n: 1 });
    const two = fakeDelivery({ n: 2 });
    await assert.rejects(() => handle([one, two]), /crash/);
    const effects = async () => (await sql`select n from effects order by n`).map((r) => r.n);
    assert.deepEqual(await effects(), [], "no effect, no inbox record");
    assert.deepEqual(committed, [], "a rolled-back transaction runs nothing after");

    fail = false;
    assert.deepEqual(await handle([one, two]), ["ack", "ack"]);
    assert.deepEqual(await handle([two, fakeDelivery({ n: 3 })]), ["duplicate", "ack"]);
    assert.deepEqual(await effects(), [1, 2, 3]);
    assert.deepEqual(committed, [[1, 2], [3]]);
    const [inbox] = await sql`select count(*)::int as n from inbox where consumer = 'test-worker'`;
    assert.equal(inbox.n, 3);
  },
);
