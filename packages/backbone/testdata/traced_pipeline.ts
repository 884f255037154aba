/**
 * Run with tracing on by consumer/trace_test.ts: the tracing step and `settle` over fake
 * messages (a retry, a dead letter, a batch), and a command emitting for each event of the batch.
 */
import { silentLogger } from "../log.ts";
import { all, compose, type Decoded, type Outcome } from "../consumer/compose.ts";
import { settle, Settler } from "../consumer/settle.ts";
import { tracing } from "../consumer/trace.ts";
import { traceOf, tracing as recording } from "../telemetry/trace.ts";
import { fakeDelivery } from "./fake_msg.ts";

if (!recording) throw new Error("run me with OTEL_DENO=true");
const parent = (n: number) => `00-${String(n).padStart(32, "0")}-${String(n).padStart(16, "0")}-01`;
const settler = new Settler({
  consumer: "test-worker",
  logger: silentLogger,
  count: () => {},
  maxDeliveries: 4,
  backoff: { baseMs: 200, maxMs: 1_000 },
  park: () => Promise.resolve(),
  stopping: new AbortController().signal,
});
const run = (fail: (d: Decoded<{ n: number }>) => Outcome) =>
  compose<{ n: number }>(
    (work) => Promise.resolve(work.map(fail)),
    tracing("test-worker"),
    settle(settler),
  );
const delivery = (n: number) => fakeDelivery({ n }, { headers: { traceparent: parent(n) } });

await run(() => ({ failed: new Error("flaky") }))([delivery(1)]);
await run(() => ({ failed: new Error("rule broken") }))([
  {
    ...delivery(2),
    msg: fakeDelivery({ n: 2 }, { headers: { traceparent: parent(2) }, deliveryCount: 4 }).msg,
  },
]);
const batch = [delivery(3), delivery(4)];
const traces: (string | undefined)[] = [];
await compose<{ n: number }>((work) => {
  traces.push(...work.map((d) => traceOf(d.event)));
  return Promise.resolve(all(work, "ack"));
}, tracing("test-worker"))(batch);
// What a handler emits for an event continues that event's process span.
console.log(JSON.stringify({ traces }));
