/** JetStream as the ingest benches load it and take their raw baseline. */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";

/** Calls `publish(i)` for every i below `count`, `batch` at a time, each batch awaited whole. */
export async function publishInBatches(
  count: number,
  publish: (i: number) => Promise<unknown>,
  batch = 1_000,
): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    await Promise.all(Array.from({ length: end - start }, (_, k) => publish(start + k)));
  }
}

export interface RawConsumeOptions {
  maxAckPending: number;
  /** Parse each message as JSON, as a consumer that reads it would. */
  parse?: boolean;
}

/**
 * The raw baseline: seconds a fresh durable pull consumer ("bench-raw") takes to receive and
 * ack the first `count` messages of `stream`, 1,000 per pull.
 */
export async function rawConsume(
  nc: NatsConnection,
  stream: string,
  count: number,
  { maxAckPending, parse = false }: RawConsumeOptions,
): Promise<number> {
  await (await jetstreamManager(nc)).consumers.add(stream, {
    durable_name: "bench-raw",
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: maxAckPending,
  });
  const consumer = await jetstream(nc).consumers.get(stream, "bench-raw");
  const decoder = new TextDecoder();
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 1_000 });
  let seen = 0;
  for await (const m of messages) {
    if (parse) JSON.parse(decoder.decode(m.data));
    m.ack();
    if (++seen >= count) break;
  }
  await messages.close();
  return (performance.now() - started) / 1000;
}
