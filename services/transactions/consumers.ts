/** What transactions consumes: the ledger's outcomes, recorded in batches. */
import type { CommandDeps, ConsumerDeclaration } from "@flotilla/backbone";
import {
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSACTIONS_STREAM,
  type TransferOutcome,
} from "@flotilla/contracts";
import { recordOutcomes } from "./commands/record_outcomes.ts";
import type { TransactionsConfig } from "./config.ts";

export function transactionsConsumers(
  deps: Pick<CommandDeps, "catalog" | "service">,
  config: Pick<TransactionsConfig, "OUTCOME_BATCH_SIZE" | "OUTCOME_BATCH_WAIT_MS">,
): ConsumerDeclaration<TransferOutcome>[] {
  return [{
    stream: TRANSACTIONS_STREAM,
    durable: TRANSACTIONS_OUTCOMES_CONSUMER,
    transactional: true,
    batch: {
      // In the consumer's transaction, with its inbox.
      handler: (events, ctx) => recordOutcomes(deps, ctx.tx, events),
      size: config.OUTCOME_BATCH_SIZE,
      maxWaitMs: config.OUTCOME_BATCH_WAIT_MS,
    },
  }];
}
