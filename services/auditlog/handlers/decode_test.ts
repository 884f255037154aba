import assert from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { auditSubject, envelopeDecoder } from "@flotilla/backbone";
import { auditlogCatalog } from "../catalog.ts";
import { sampleEvent } from "../testing.ts";
import { auditDecoder, isPlainAuditEvent } from "./decode.ts";

const msg = (value: unknown, subject = auditSubject(sourceOf(value))) =>
  ({ subject, data: new TextEncoder().encode(JSON.stringify(value)) }) as JsMsg;
const sourceOf = (value: unknown) =>
  String((value as { source?: unknown } | null)?.source ?? "accounts");
const fast = auditDecoder(auditlogCatalog);
const full = envelopeDecoder(auditlogCatalog);

function outcome(decode: (m: JsMsg) => unknown, value: unknown) {
  try {
    return { ok: decode(msg(value)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const good = sampleEvent(1);
const variants: [string, unknown][] = [
  ["as built", good],
  ["no metadata", { ...good, data: { ...good.data, metadata: undefined } }],
  ["an offset time", { ...good, time: "2026-01-01T01:00:00+01:00" }],
  ["a day that does not exist", { ...good, time: "2026-02-30T00:00:00.000Z" }],
  ["a bad action", { ...good, data: { ...good.data, action: "Account Created" } }],
  ["an actor type we do not know", {
    ...good,
    data: { ...good.data, actor: { ...good.data.actor, type: "robot" } },
  }],
  ["no ip member", {
    ...good,
    data: { ...good.data, actor: { type: "user", id: "u", user_agent: null } },
  }],
  ["an empty target id", { ...good, data: { ...good.data, target: { type: "a", id: "" } } }],
  ["changes.before is an array", {
    ...good,
    data: { ...good.data, changes: { before: [1], after: null } },
  }],
  ["metadata is null", { ...good, data: { ...good.data, metadata: null } }],
  ["another event type", { ...good, type: "account.created" }],
  ["a long id", { ...good, id: "x".repeat(65) }],
  ["no causation_id", { ...good, causation_id: undefined }],
  ["a number as correlation id", { ...good, correlation_id: 5 }],
  ["not an object", [good]],
  ["a lone surrogate in changes", {
    ...good,
    data: { ...good.data, changes: { before: null, after: { name: "Ada \ud800" } } },
  }],
  ["a NUL in a metadata key", { ...good, data: { ...good.data, metadata: { "a\u0000": 1 } } }],
  ["a NUL in the actor's id", {
    ...good,
    data: { ...good.data, actor: { ...good.data.actor, id: "u\u0000" } },
  }],
  ["escapes that are only text", {
    ...good,
    data: { ...good.data, changes: { before: null, after: { name: "\\u0000 \\ud800" } } },
  }],
];

Deno.test("the fast decoder agrees with the catalog's zod schemas on every variant", () => {
  for (const [name, value] of variants) {
    const a = outcome(fast, value);
    const b = outcome(full, value);
    assert.deepEqual(a, b, name);
  }
});

Deno.test("the fast path takes events as createEvent builds them", () => {
  assert.equal(isPlainAuditEvent(JSON.parse(JSON.stringify(good))), true);
  assert.equal(isPlainAuditEvent({ ...good, time: "2026-01-01T01:00:00+01:00" }), false);
});

Deno.test("an event whose source is not the service its subject names is refused", () => {
  const event = sampleEvent(2); // from accounts
  assert.equal(fast(msg(event, auditSubject("accounts"))).source, "accounts");
  for (const subject of [auditSubject("users"), "audit.recorded"]) {
    assert.throws(
      () => fast(msg(event, subject)),
      /source: "accounts" is not the service its subject names/,
      subject,
    );
  }
  const slow = { ...event, time: "2026-01-01T01:00:00+01:00" }; // through the catalog decoder
  assert.throws(() => fast(msg(slow, auditSubject("users"))), /is not the service/);
});
