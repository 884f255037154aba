/**
 * Signing a checkpoint of the chain head: only once the rows since the newest checkpoint are
 * found to extend it intact, so a checkpoint never vouches for a rewritten chain. A break is
 * logged as an error and nothing is signed until someone looks.
 */
import type { Logger, Sql } from "@flotilla/backbone";
import { headExtending } from "../adapters/audit_repo.ts";
import type { CheckpointStore } from "../adapters/checkpoints.ts";
import type { ChainKeys } from "../domain/chain.ts";
import type { Checkpoint, CheckpointKeys } from "../domain/checkpoint.ts";

export interface CheckpointDeps {
  sql: Sql;
  chainKeys: ChainKeys;
  checkpointKeys: CheckpointKeys;
  checkpoints: CheckpointStore;
  logger: Logger;
}

/** The checkpoint signed now, or undefined when there was nothing new (or a break). */
export async function writeCheckpoint(deps: CheckpointDeps): Promise<Checkpoint | undefined> {
  const previous = await deps.checkpoints.latest();
  if (previous && !(await deps.checkpointKeys.valid(previous))) {
    deps.logger.error("the newest audit checkpoint's signature does not verify; signing none", {
      seq: previous.seq,
      key_id: previous.key_id,
    });
    return undefined;
  }
  const { head, broken } = await headExtending(deps.sql, deps.chainKeys, previous);
  if (broken) {
    deps.logger.error("the audit chain does not extend its last checkpoint; signing none", {
      ...broken,
    });
    return undefined;
  }
  if (head.seq === 0 || head.seq === previous?.seq) return undefined;
  const checkpoint = await deps.checkpointKeys.sign(head);
  await deps.checkpoints.publish(checkpoint);
  return checkpoint;
}
