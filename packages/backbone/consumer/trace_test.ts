import assert from "node:assert/strict";
import { startOtlpReceiver } from "@flotilla/infra";
import { eventually } from "@flotilla/testkit";

const parent = (n: number) => ({
  traceId: String(n).padStart(32, "0"),
  spanId: String(n).padStart(16, "0"),
});

Deno.test("with tracing on, each message's span is a child of its publisher; retries and dead letters are its events; a batch links its messages", async () => {
  await using otlp = startOtlpReceiver();
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../testdata/traced_pipeline.ts", import.meta.url).pathname],
    env: otlp.env("test"),
  }).output();
  const out = new TextDecoder().decode(child.stdout);
  assert.ok(child.success, new TextDecoder().decode(child.stderr));
  const spans = await eventually("the five spans", () => otlp.spans.length >= 5 && otlp.spans);
  const of = (n: number) => {
    const span = spans.find((s) => s.traceId === parent(n).traceId);
    assert.ok(span, `a span in trace ${n}`);
    assert.equal(span.parentSpanId, parent(n).spanId, "the publisher's span is its parent");
    assert.equal(span.name, "process test-worker");
    return span;
  };

  const retried = of(1);
  const retry = retried.events.find((e) => e.name === "retry");
  assert.ok(retry, JSON.stringify(retried.events));
  assert.equal(retry.attributes.error, "flaky");
  assert.ok(Number(retry.attributes.delay_ms) > 0);
  assert.equal(retried.status, 2);

  const dead = of(2);
  const letter = dead.events.find((e) => e.name === "dead_letter");
  assert.ok(letter, JSON.stringify(dead.events));
  assert.equal(letter.attributes.class, "exhausted");

  const [three, four] = [of(3), of(4)];
  const batch = spans.find((s) => s.name === "process test-worker batch");
  assert.ok(batch);
  assert.deepEqual(
    batch.links.map((l) => l.spanId).sort(),
    [three.spanId, four.spanId].sort(),
    "the batch's span links its messages' spans",
  );
  const { traces } = JSON.parse(out.trim().split("\n").at(-1)!);
  assert.deepEqual(traces, [
    `00-${three.traceId}-${three.spanId}-01`,
    `00-${four.traceId}-${four.spanId}-01`,
  ], "each event's trace is its own span's");
});
