/** The fleet's streams as the fuzzer sees them: settled or busy, and what was dead-lettered. */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { listDeadLetters } from "../dlq.ts";

/** Waits until no consumer has messages pending or unacknowledged (twice in a row). */
export async function settle(nc: NatsConnection, timeoutMs: number): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    let busy = 0;
    for await (const stream of jsm.streams.list()) {
      for await (const c of jsm.consumers.list(stream.config.name)) {
        busy += c.num_pending + c.num_ack_pending;
      }
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet === 2) return true;
  }
  return false;
}

export interface DeadLetterSummary {
  seq: number;
  correlationId: string;
  consumer: string;
  reason: string;
}

/** Dead letters with a sequence above `afterSeq`, with the correlation id of their event. */
export async function deadLettersAfter(
  nc: NatsConnection,
  afterSeq: number,
): Promise<DeadLetterSummary[]> {
  const all = await listDeadLetters(nc, 100_000);
  return all.filter((d) => d.seq > afterSeq).map((d) => {
    let correlationId = "";
    try {
      correlationId = String(JSON.parse(new TextDecoder().decode(d.msg.data)).correlation_id ?? "");
    } catch {
      correlationId = "(not an event envelope)";
    }
    return { seq: d.seq, correlationId, consumer: d.consumer, reason: d.reason };
  });
}
