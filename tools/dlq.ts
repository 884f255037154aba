/**
 * `deno task dlq list | show <seq> | replay <seq>|--all [--keep]`: inspect the dead-letter
 * stream and republish messages to their original subject (once the cause is fixed).
 * Connects as the admin (tools/admin.ts: NATS_URL, NATS_NKEY_FILE, or dev's credentials).
 */
import { headers as natsHeaders } from "@nats-io/nats-core";
import { jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { DeadLetterHeaders, DLQ_STREAM } from "@flotilla/backbone";
import { connectAdminNats } from "./admin.ts";

export interface DeadLetter {
  seq: number;
  time: Date;
  subject: string;
  stream: string;
  originalSeq: number;
  consumer: string;
  deliveries: number;
  reason: string;
  size: number;
  msg: StoredMsg;
}

function describe(m: StoredMsg): DeadLetter {
  const h = (name: string) => m.header.get(name) ?? "";
  return {
    seq: m.seq,
    time: m.time,
    subject: h(DeadLetterHeaders.subject),
    stream: h(DeadLetterHeaders.stream),
    originalSeq: Number(h(DeadLetterHeaders.sequence)),
    consumer: h(DeadLetterHeaders.consumer),
    deliveries: Number(h(DeadLetterHeaders.deliveries)),
    reason: h(DeadLetterHeaders.reason),
    size: m.data.length,
    msg: m,
  };
}

export async function listDeadLetters(nc: NatsConnection, limit = 1_000): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DLQ_STREAM);
  const out: DeadLetter[] = [];
  if (info.state.messages === 0) return out;
  let seq = info.state.first_seq;
  while (seq <= info.state.last_seq && out.length < limit) {
    // next_by_subj-free walk: ask for the first message at or after seq.
    const m = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
    if (m) out.push(describe(m));
    seq++;
  }
  return out;
}

export async function getDeadLetter(nc: NatsConnection, seq: number): Promise<DeadLetter> {
  const jsm = await jetstreamManager(nc);
  const m = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
  if (!m) throw new Error(`No dead letter with sequence ${seq}`);
  return describe(m);
}

/** Publishes the original payload and headers to the original subject; deletes the dead letter. */
export async function replayDeadLetter(
  nc: NatsConnection,
  seq: number,
  options: { keep?: boolean } = {},
): Promise<DeadLetter> {
  const dead = await getDeadLetter(nc, seq);
  if (!dead.subject) throw new Error(`Dead letter ${seq} has no original subject header`);
  const h = natsHeaders();
  const ours = new Set<string>(Object.values(DeadLetterHeaders).map((v) => v.toLowerCase()));
  for (const [k, values] of dead.msg.header) {
    if (ours.has(k.toLowerCase())) continue;
    for (const v of values) h.append(k, v);
  }
  h.set("Flotilla-Replayed-From", `${DLQ_STREAM}:${seq}`);
  await jetstream(nc).publish(dead.subject, dead.msg.data, { headers: h });
  if (!options.keep) await (await jetstreamManager(nc)).streams.deleteMessage(DLQ_STREAM, seq);
  return dead;
}

function preview(data: Uint8Array): string {
  const text = new TextDecoder().decode(data.subarray(0, 4_096));
  try {
    return JSON.stringify(JSON.parse(new TextDecoder().decode(data)), null, 2).slice(0, 8_000);
  } catch {
    return text + (data.length > 4_096 ? `\n… (${data.length} bytes in all)` : "");
  }
}

async function main(args: string[]): Promise<number> {
  const [command, arg, ...flags] = args;
  const usage = "usage: deno task dlq list | show <seq> | replay <seq>|--all [--keep]";
  if (!command || !["list", "show", "replay"].includes(command)) {
    console.error(usage);
    return 2;
  }
  const nc = await connectAdminNats("dlq").catch((err) => {
    console.error(`Cannot connect to NATS as the admin: ${err.message}`);
    return undefined;
  });
  if (!nc) return 1;
  try {
    if (command === "list") {
      const all = await listDeadLetters(nc);
      if (all.length === 0) console.log("The dead-letter stream is empty.");
      for (const d of all) {
        console.log(
          `${String(d.seq).padStart(6)}  ${d.time.toISOString()}  ${d.subject}  ${d.consumer}  ` +
            `x${d.deliveries}  ${d.size}B  ${d.reason.slice(0, 120)}`,
        );
      }
    } else if (command === "show") {
      const seq = Number(arg);
      if (!Number.isInteger(seq) || seq <= 0) throw new Error(`${usage}\n(seq must be a number)`);
      const d = await getDeadLetter(nc, seq);
      for (const [k, v] of d.msg.header) console.log(`${k}: ${v.join(", ")}`);
      console.log(`\n${preview(d.msg.data)}`);
    } else {
      const keep = flags.includes("--keep") || arg === "--keep";
      const targets = arg === "--all"
        ? (await listDeadLetters(nc, 100_000)).map((d) => d.seq)
        : [Number(arg)];
      if (targets.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(usage);
      for (const seq of targets) {
        const d = await replayDeadLetter(nc, seq, { keep });
        console.log(`replayed ${seq} → ${d.subject}${keep ? " (kept)" : ""}`);
      }
    }
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    await nc.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
