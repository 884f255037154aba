/** What transactions consumes: the ledger's outcomes, recorded in batches. */
import type { CommandDeps, ConsumerDeclaration, Metrics } from "@flotilla/backbone";
import {
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSACTIONS_STREAM,
  type TransferOutcome,
} from "@flotilla/contracts";
import { recordOutcomes } from "./commands/record_outcomes.ts";
import type { TransactionsConfig } from "./config.ts";

export function transactionsConsumers(
  deps: Pick<CommandDeps, "catalog" | "service"> & { metrics: Metrics },
  config: Pick<TransactionsConfig, "OUTCOME_BATCH_SIZE" | "OUTCOME_BATCH_WAIT_MS">,
): ConsumerDeclaration<TransferOutcome>[] {
  const outcomes = deps.metrics.counter(
    "transfer_outcomes_total",
    "Transfers the saga settled, by status (complete, failed) and failure reason (none when complete)",
    ["status", "reason"],
  );
  return [{
    stream: TRANSACTIONS_STREAM,
    durable: TRANSACTIONS_OUTCOMES_CONSUMER,
    transactional: true,
    batch: {
      // In the consumer's transaction, with its inbox; counted once it committed.
      handler: async (events, ctx) => {
        const settled = await recordOutcomes(deps, ctx.tx, events);
        ctx.afterCommit(() => {
          for (const t of settled) {
            outcomes.labels({ status: t.status, reason: t.failureReason ?? "none" }).inc();
          }
        });
      },
      size: config.OUTCOME_BATCH_SIZE,
      maxWaitMs: config.OUTCOME_BATCH_WAIT_MS,
    },
  }];
}
