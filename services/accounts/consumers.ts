/** What accounts consumes: the saga's submitted transfers, applied to the ledger in batches. */
import type { BatchHandler, CommandDeps, ConsumerDeclaration } from "@flotilla/backbone";
import {
  ACCOUNTS_TRANSFERS_CONSUMER,
  TRANSACTIONS_STREAM,
  type TransferSubmitted,
} from "@flotilla/contracts";
import { applyTransfers } from "./commands/apply_transfers.ts";
import type { AccountsConfig } from "./config.ts";

type EmitDeps = Pick<CommandDeps, "catalog" | "service">;

/** Applies each batch in the consumer's transaction (with its inbox). */
export function applyTransfersHandler(deps: EmitDeps): BatchHandler<TransferSubmitted> {
  return (events, ctx) => applyTransfers(deps, ctx.tx, events);
}

export function accountsConsumers(
  deps: EmitDeps,
  config: Pick<AccountsConfig, "TRANSFER_BATCH_SIZE" | "TRANSFER_BATCH_WAIT_MS">,
): ConsumerDeclaration<TransferSubmitted>[] {
  return [{
    stream: TRANSACTIONS_STREAM,
    durable: ACCOUNTS_TRANSFERS_CONSUMER,
    transactional: true,
    batch: {
      handler: applyTransfersHandler(deps),
      size: config.TRANSFER_BATCH_SIZE,
      maxWaitMs: config.TRANSFER_BATCH_WAIT_MS,
    },
  }];
}
