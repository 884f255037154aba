import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  createEvent,
  DLQ_STREAM,
  PermanentError,
  silentLogger,
  startConsumer,
} from "@flotilla/backbone";
import { eventually, integration, testCatalog, testEnv } from "@flotilla/testkit";
import { listDeadLetters, replayDeadLetter } from "./dlq.ts";

integration(
  "a dead letter is listed with its reason and, replayed after the fix, handled",
  async () => {
    await using env = await testEnv();
    await env.provision(testCatalog);
    const nc = await env.connect();
    let fixed = false;
    const handled: number[] = [];
    const consumer = startConsumer<{ n: number }>({
      nc,
      catalog: testCatalog,
      stream: "TEST",
      durable: "test-worker",
      logger: silentLogger,
      handler: (e) => {
        if (!fixed) return Promise.reject(new PermanentError("Cannot apply: rule 7 broken"));
        handled.push(e.data.n);
        return Promise.resolve();
      },
    });
    env.defer(() => consumer.stop());
    const event = createEvent({
      type: "test.happened",
      source: "t",
      subject: "a",
      data: { n: 42 },
    });
    await jetstream(nc).publish("test.happened", JSON.stringify(event));
    const [dead] = await eventually("listed", async () => {
      const all = await listDeadLetters(nc);
      return all.length === 1 ? all : undefined;
    });
    assert.equal(dead.subject, "test.happened");
    assert.equal(dead.consumer, "test-worker");
    assert.match(dead.reason, /rule 7 broken/);

    fixed = true;
    await replayDeadLetter(nc, dead.seq);
    await eventually("handled after replay", () => handled.length === 1);
    assert.deepEqual(handled, [42]);
    const info = await (await jetstreamManager(nc)).streams.info(DLQ_STREAM);
    assert.equal(info.state.messages, 0, "a replayed dead letter leaves the stream");
  },
);
