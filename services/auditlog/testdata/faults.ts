import { AUDIT_RECORDED, type Sql } from "@flotilla/backbone";
/** Helpers of the auditlog fault tests: a publisher that retries like an outbox relay does. */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import type { sampleEvent } from "./fixture.ts";

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes one event at a time at about `perSecond`, retrying each until JetStream acks it
 * (the event id is the Nats-Msg-Id, so a retry never stores it twice).
 */
export async function publishSteadily(
  nc: NatsConnection,
  events: ReturnType<typeof sampleEvent>[],
  perSecond: number,
): Promise<void> {
  const js = jetstream(nc);
  const started = Date.now();
  for (const [i, e] of events.entries()) {
    while (true) {
      try {
        await js.publish(AUDIT_RECORDED, encoder.encode(JSON.stringify(e)), {
          msgID: e.id,
          timeout: 2_000,
        });
        break;
      } catch {
        await sleep(200);
      }
    }
    const due = started + ((i + 1) * 1_000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

/** Stored rows, distinct event ids and the highest seq: all equal when nothing was lost or doubled. */
export async function tally(sql: Sql): Promise<{ rows: number; ids: number; maxSeq: number }> {
  const [r] = await sql`
    select count(*)::int as rows, count(distinct event_id)::int as ids,
      coalesce(max(seq), 0)::int as max_seq from audit_logs`;
  return { rows: r.rows, ids: r.ids, maxSeq: r.max_seq };
}

/** The outage length: AUDIT_FAULT_OUTAGE_MS (the issue says 20 s; tests default to 5 s). */
export function outageMs(): number {
  return Number(Deno.env.get("AUDIT_FAULT_OUTAGE_MS") ?? 5_000);
}
