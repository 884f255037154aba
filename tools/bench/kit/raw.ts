/** The raw baseline benches compare with: a plain pull consumer that parses and acks. */
import type { JetStreamClient } from "@nats-io/jetstream";

/** Consumes `n` messages of `stream` on the existing durable `durable`, parsing and acking each. */
export async function consumeRaw(
  js: JetStreamClient,
  stream: string,
  durable: string,
  n: number,
): Promise<void> {
  const iter = await (await js.consumers.get(stream, durable)).consume({ max_messages: 1_000 });
  let seen = 0;
  for await (const m of iter) {
    JSON.parse(new TextDecoder().decode(m.data));
    m.ack();
    if (++seen === n) break;
  }
  await iter.close();
}
