import assert from "node:assert/strict";
import { z } from "zod";
import { defineCatalog, mergeCatalogs, subjectMatches, subjectOf } from "./catalog.ts";
import { createEvent, envelopeSchema } from "./envelope.ts";

Deno.test("subject wildcards match like NATS: * one token, > the rest", () => {
  assert.ok(subjectMatches("orders.>", "orders.new"));
  assert.ok(subjectMatches("orders.>", "orders.new.eu"));
  assert.ok(!subjectMatches("orders.>", "orders"));
  assert.ok(subjectMatches("transaction.*", "transaction.submitted"));
  assert.ok(!subjectMatches("transaction.*", "transaction.outcome.completed"));
  assert.ok(!subjectMatches("user.created", "user.updated"));
});

Deno.test("merging catalogs refuses a name declared twice", () => {
  const a = defineCatalog({ streams: [{ name: "X", subjects: ["x.>"], description: "" }] });
  assert.throws(() => mergeCatalogs(a, a), /declares stream "X" twice/);
  const e = defineCatalog({ events: { "x.done": { schema: z.object({}) } } });
  assert.throws(() => mergeCatalogs(e, e), /declares event "x.done" twice/);
});

Deno.test("an event's subject is its type unless the catalog says otherwise", () => {
  const c = defineCatalog({
    events: {
      "a.b": { schema: z.object({}) },
      "t.completed": { schema: z.object({}), subject: "t.outcome.completed" },
    },
  });
  assert.equal(subjectOf(c, "a.b"), "a.b");
  assert.equal(subjectOf(c, "t.completed"), "t.outcome.completed");
  assert.throws(() => subjectOf(c, "nope.nope"), /not in the catalog/);
});

Deno.test("events carry correlation from their cause and validate as envelopes", () => {
  const first = createEvent({ type: "a.b", source: "svc", subject: 7, data: { x: 1 } });
  assert.equal(first.correlation_id, first.id, "a new chain starts with the event itself");
  assert.equal(first.causation_id, null);
  assert.equal(first.subject, "7");
  const next = createEvent({ type: "a.c", source: "svc", subject: 7, data: {}, cause: first });
  assert.equal(next.correlation_id, first.id);
  assert.equal(next.causation_id, first.id);
  const fromRequest = createEvent({
    type: "a.d",
    source: "svc",
    subject: 1,
    data: {},
    cause: { correlationId: "req-1" },
  });
  assert.equal(fromRequest.correlation_id, "req-1");
  assert.ok(envelopeSchema.safeParse(next).success);
  assert.ok(!envelopeSchema.safeParse({ ...next, type: "NoDots" }).success);
});
