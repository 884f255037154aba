import assert from "node:assert/strict";
import { createMetrics } from "../metrics.ts";
import { fakeDelivery } from "../testdata/fake_msg.ts";
import { all, compose } from "./compose.ts";
import { counter, measure } from "./metrics.ts";

const unit = (n: number) => Array.from({ length: n }, (_, i) => fakeDelivery({ n: i }));

Deno.test("messages are counted by consumer and outcome; a zero creates no series", async () => {
  const metrics = createMetrics("test", { process: false });
  const count = counter(metrics, "test-worker");
  count("ack", 3);
  count("ack");
  count("dead_letter", 0);
  const { values } = await metrics.consumerMessages.get();
  assert.deepEqual(values.map((v) => [v.labels, v.value]), [
    [{ consumer: "test-worker", outcome: "ack" }, 4],
  ]);
  counter(undefined, "test-worker")("ack"); // no metrics: nothing to do
});

Deno.test("a unit's messages are in flight while the rest of the pipeline has them, and timed", async () => {
  const metrics = createMetrics("test", { process: false });
  const inFlight = async () => (await metrics.consumerInFlight.get()).values[0]?.value;
  let during: number | undefined;
  const handle = compose(async (work) => {
    during = await inFlight();
    await new Promise((r) => setTimeout(r, 20));
    return all(work, "ack");
  }, measure(metrics, "test-worker"));
  await handle(unit(3));
  await assert.rejects(() =>
    compose(() => Promise.reject(new Error("x")), measure(metrics, "c"))(unit(1))
  );
  assert.equal(during, 3);
  assert.equal(await inFlight(), 0, "back to zero after the unit");
  const duration = (await metrics.consumerDuration.get()).values;
  const count = duration.find((v) =>
    v.metricName === "consumer_handle_seconds_count" &&
    v.labels.consumer === "test-worker"
  );
  const sum = duration.find((v) =>
    v.metricName === "consumer_handle_seconds_sum" &&
    v.labels.consumer === "test-worker"
  );
  assert.equal(count?.value, 1, "one observation per unit");
  assert.ok((sum?.value ?? 0) >= 0.015, `timed in seconds: ${sum?.value}`);
  const failed = (await metrics.consumerInFlight.get()).values.find((v) =>
    v.labels.consumer === "c"
  );
  assert.equal(failed?.value, 0, "a unit that throws leaves the gauge too");
});
