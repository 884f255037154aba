/**
 * The checkpoint stream (AUDIT_CHECKPOINTS): append-only on the server, so neither this
 * service nor anyone with its credentials can take a checkpoint back. Read with ordered
 * consumers of our own.
 */
import { DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import { AUDIT_CHECKPOINT_SUBJECT, AUDIT_CHECKPOINTS_STREAM } from "@flotilla/contracts";
import type { Checkpoint } from "../domain/checkpoint.ts";

const checkpointSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  time: z.string(),
  key_id: z.string(),
  signature: z.string(),
});

/** A message that is no checkpoint reads as one whose signature cannot verify. */
function parse(msg: JsMsg): Checkpoint {
  try {
    return checkpointSchema.parse(msg.json());
  } catch {
    return { seq: 0, hash: "", time: "", key_id: "", signature: "" };
  }
}

export interface CheckpointStore {
  publish(checkpoint: Checkpoint): Promise<void>;
  /** The newest checkpoint, if any. */
  latest(): Promise<Checkpoint | undefined>;
  /** Every checkpoint, oldest first. */
  all(): Promise<Checkpoint[]>;
}

export function checkpointStore(js: JetStreamClient): CheckpointStore {
  const count = async () =>
    (await (await js.streams.get(AUDIT_CHECKPOINTS_STREAM)).info()).state.messages;
  return {
    async publish(checkpoint) {
      // One checkpoint per seq, however many replicas sign it.
      await js.publish(AUDIT_CHECKPOINT_SUBJECT, JSON.stringify(checkpoint), {
        msgID: `checkpoint:${checkpoint.seq}`,
      });
    },
    async latest() {
      if ((await count()) === 0) return undefined;
      const consumer = await js.consumers.get(AUDIT_CHECKPOINTS_STREAM, {
        deliver_policy: DeliverPolicy.Last,
      });
      const msg = await consumer.next({ expires: 5_000 });
      return msg ? parse(msg) : undefined;
    },
    async all() {
      const expected = await count();
      const out: Checkpoint[] = [];
      if (expected === 0) return out;
      const consumer = await js.consumers.get(AUDIT_CHECKPOINTS_STREAM);
      while (true) {
        let pending = 0;
        let got = 0;
        const batch = await consumer.fetch({ max_messages: 1_000, expires: 5_000 });
        for await (const msg of batch) {
          out.push(parse(msg));
          pending = msg.info.pending;
          got++;
        }
        if (got === 0 || pending === 0) return out;
      }
    },
  };
}
