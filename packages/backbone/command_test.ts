import assert from "node:assert/strict";
import { integration, testCatalog, testEnv } from "@flotilla/testkit";
import { AUDIT_RECORDED, auditDataSchema, systemActor } from "./audit.ts";
import { defineCatalog, mergeCatalogs } from "./catalog.ts";
import { emitting } from "./command.ts";
import type { Envelope } from "./envelope.ts";
import { rememberTrace } from "./telemetry/trace.ts";

const catalog = mergeCatalogs(
  testCatalog,
  defineCatalog({ events: { [AUDIT_RECORDED]: { schema: auditDataSchema } } }),
);

integration("each item of a batch emits with its own cause and actor, in one write", async () => {
  await using env = await testEnv();
  await env.migrate();
  const sql = env.sql();
  const batch = { actor: systemActor("batcher"), correlationId: "batch-1" };
  const items = [1, 2].map((n) => ({
    actor: { type: "user" as const, id: `u-${n}`, ip: null, user_agent: null },
    correlationId: `c-${n}`,
    cause: { id: `event-${n}`, correlation_id: `c-${n}` },
  }));
  await sql.begin((tx) =>
    emitting(tx, { catalog, service: "test" }, batch, (_tx, emit) => {
      for (const [i, item] of items.entries()) {
        const one = emit.for(item);
        one.event("test.happened", "agg", { n: i });
        one.audit({ action: "thing.done", target: { type: "thing", id: i } });
      }
      emit.event("test.happened", "agg", { n: 9 });
      return Promise.resolve();
    })
  );
  const rows = await sql<{ payload: string }[]>`select payload from outbox order by seq`;
  const events = rows.map((r) => JSON.parse(r.payload) as Envelope<{ actor?: { id: string } }>);
  assert.deepEqual(
    events.map((e) => [e.type, e.correlation_id, e.causation_id, e.data.actor?.id ?? null]),
    [
      ["test.happened", "c-1", "event-1", null],
      [AUDIT_RECORDED, "c-1", "event-1", "u-1"],
      ["test.happened", "c-2", "event-2", null],
      [AUDIT_RECORDED, "c-2", "event-2", "u-2"],
      ["test.happened", "batch-1", null, null],
    ],
  );
});

integration(
  "each item's events go out with its own trace: its traceparent, or its cause's",
  async () => {
    await using env = await testEnv();
    await env.migrate();
    const sql = env.sql();
    const tp = (n: number) => `00-${String(n).padStart(32, "0")}-${String(n).padStart(16, "0")}-01`;
    const handled = { id: "event-2", correlation_id: "c-2" };
    rememberTrace(handled, tp(2));
    const actor = systemActor("test");
    await sql.begin((tx) =>
      emitting(tx, { catalog, service: "test" }, { actor, correlationId: "batch" }, (_tx, emit) => {
        emit.for({ actor, correlationId: "c-1", traceparent: tp(1) }).event("test.happened", "a", {
          n: 1,
        });
        emit.for({ actor, correlationId: "c-2", cause: handled }).event("test.happened", "a", {
          n: 2,
        });
        emit.event("test.happened", "a", { n: 3 });
        return Promise.resolve();
      })
    );
    const rows = await sql<{ headers: Record<string, string> }[]>`
    select headers from outbox order by seq`;
    assert.deepEqual(rows.map((r) => r.headers), [
      { traceparent: tp(1) },
      { traceparent: tp(2) },
      {},
    ]);
  },
);
