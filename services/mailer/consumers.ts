/** The mailer's consumer: the senders on the MAILER_SENDS work queue (handlers/send.ts). */
import type { KV } from "@nats-io/kv";
import {
  type Catalog,
  type ConsumerDeclaration,
  consumerSpec,
  type Metrics,
  type Sql,
  uuidv7,
} from "@flotilla/backbone";
import { MAILER_SENDER, MAILER_SENDS_STREAM, type SendRequested } from "@flotilla/contracts";
import { SendClaims } from "./adapters/claims.ts";
import { ProviderClient } from "./adapters/provider.ts";
import { sendStore } from "./adapters/send_store.ts";
import type { MailerConfig } from "./config.ts";
import type { Clock } from "./domain/clock.ts";
import { sendHandler } from "./handlers/send.ts";

export interface SenderDeps {
  config: MailerConfig;
  sql: Sql;
  catalog: Catalog;
  metrics: Metrics;
  /** The send claims bucket. */
  claims: KV;
  clock: Clock;
}

export function mailerConsumers(deps: SenderDeps): ConsumerDeclaration<SendRequested>[] {
  const { config, metrics } = deps;
  const provider = new ProviderClient({
    url: config.PROVIDER_URL,
    token: config.PROVIDER_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    breakerThreshold: config.BREAKER_THRESHOLD,
    breakerHalfOpenMs: config.BREAKER_HALF_OPEN_MS,
    metrics,
  });
  return [{
    stream: MAILER_SENDS_STREAM,
    durable: MAILER_SENDER,
    concurrency: config.SENDER_CONCURRENCY,
    handler: sendHandler({
      store: sendStore(deps.sql),
      claims: new SendClaims(deps.claims, `mailer-${uuidv7()}`),
      provider,
      clock: deps.clock,
      metrics,
      leaseMs: config.CLAIM_LEASE_MS || config.PROVIDER_TIMEOUT_MS + 2_000,
      endMarginMs: config.SEND_END_MARGIN_MS,
      maxDeliveries: consumerSpec(deps.catalog, MAILER_SENDS_STREAM, MAILER_SENDER)
        .maxDeliveries ?? 5,
    }),
  }];
}
