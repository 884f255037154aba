/**
 * The sender: one work-queue message → at most one provider call. It reads the message, its
 * mailing and client at send time (so edits and deletions take effect), decides whether to
 * send, wait for the client's window (a deferred row the scheduler releases) or expire, then
 * claims the send in KV and calls the provider. The consumer runtime owns ack/nak/hold.
 */
import {
  errorMessage,
  type Handler,
  isUnavailableError,
  type Metrics,
  PermanentError,
  UnavailableError,
} from "@flotilla/backbone";
import type { SendRequested } from "@flotilla/contracts";
import type { SendClaims } from "../adapters/claims.ts";
import type { ProviderClient } from "../adapters/provider.ts";
import type { SendStore } from "../adapters/send_store.ts";
import type { Clock } from "../domain/clock.ts";
import { decideSend } from "../domain/send_decision.ts";

export interface SendDeps {
  /** The messages' reads and writes (loads and `sent` marks batched). */
  store: SendStore;
  claims: SendClaims;
  provider: ProviderClient;
  clock: Clock;
  metrics: Metrics;
  /** How long a claim protects a call in progress; longer than the provider timeout. */
  leaseMs: number;
  endMarginMs: number;
  /** The consumer's delivery limit: the last failed delivery marks the message failed. */
  maxDeliveries: number;
}

export const UNKNOWN_OUTCOME =
  "outcome unknown: the sender stopped during the provider call; not resent (at most once)";

export function sendHandler(deps: SendDeps): Handler<SendRequested> {
  const { store, claims, provider, clock } = deps;
  const outcomes = deps.metrics.counter(
    "mailer_send_outcomes_total",
    "What senders did with work-queue messages (sent, deferred, expired, failed, retry, held, skipped, unknown)",
    ["outcome"],
  );
  const count = (outcome: string) => outcomes.labels({ outcome }).inc();
  // Claims this process holds for a call in progress: never taken over from ourselves.
  const inFlight = new Set<number>();
  // Accepted by the provider but not yet written to Postgres (it failed): record, never resend.
  const accepted = new Map<number, Date>();

  return async (event, ctx) => {
    const id = event.data.message_id;
    const log = ctx.logger.child({
      message_id: id,
      mailing_id: event.data.mailing_id,
      client_id: event.data.client_id,
    });
    const job = await store.load(id);
    if (!job || job.status === "sent" || job.status === "expired" || job.status === "failed") {
      count("skipped");
      return;
    }
    if (job.mailing_deleted || job.phone === null || job.timezone === null) {
      const reason = job.mailing_deleted ? "the mailing was deleted" : "the client was deleted";
      await store.final(id, "expired", reason);
      count("expired");
      return;
    }
    const acceptedAt = accepted.get(id);
    if (acceptedAt) {
      await store.sent(id, acceptedAt, true);
      accepted.delete(id);
      count("sent");
      return;
    }
    const now = clock.now();
    const decision = decideSend({
      now,
      startAt: job.start_at,
      endAt: job.end_at,
      window: job.window_start === null || job.window_end === null
        ? null
        : { start: job.window_start, end: job.window_end },
      timeZone: job.timezone,
      endMarginMs: deps.endMarginMs,
    });
    if (decision.kind === "expire") {
      await store.final(id, "expired", decision.reason);
      count("expired");
      log.debug("message expired", { reason: decision.reason });
      return;
    }
    if (decision.kind === "defer") {
      await store.deferred(id, decision.until, decision.reason);
      count("deferred");
      log.debug("message deferred", { until: decision.until.toISOString() });
      return;
    }
    if (provider.circuitOpen) {
      count("held");
      throw new UnavailableError("Cannot send: the provider circuit is open");
    }

    const taken = await claims.acquire(id, deps.leaseMs, now.getTime());
    let revision: number;
    if (taken.acquired) {
      revision = taken.revision;
    } else {
      const claim = taken.claim;
      if (claim.state === "sent") {
        // The provider took it and we crashed before writing it down here.
        await store.sent(id, new Date(claim.at), false);
        count("sent");
        return;
      }
      if (claim.state === "unknown") {
        await store.final(id, "failed", UNKNOWN_OUTCOME);
        count("unknown");
        return;
      }
      if (claim.owner === claims.owner && !inFlight.has(id)) {
        // Ours, left behind when a release failed: no call is in progress.
        revision = await claims.renew(id, taken.revision, deps.leaseMs, now.getTime());
      } else if (claim.lease_until > now.getTime()) {
        count("retry");
        throw new Error(`Message ${id} is being sent by ${claim.owner}; trying again later`);
      } else {
        await claims.markUnknown(id, taken.revision, now.getTime());
        await store.final(id, "failed", UNKNOWN_OUTCOME);
        count("unknown");
        log.warn("send outcome unknown; not resending", { owner: claim.owner });
        return;
      }
    }

    inFlight.add(id);
    try {
      await provider.send({ id, phone: Number(job.phone), text: job.text });
    } catch (err) {
      try {
        await claims.release(id, revision);
      } catch (releaseErr) {
        // The claim stays ours; the retry in place renews it (see above).
        throw new UnavailableError(
          `Cannot release the claim of message ${id}: ${errorMessage(releaseErr)}`,
          { cause: err },
        );
      } finally {
        inFlight.delete(id);
      }
      await store.failed(id, errorMessage(err));
      if (isUnavailableError(err)) {
        count("held");
        throw err;
      }
      if (ctx.deliveryCount >= deps.maxDeliveries) {
        await store.final(id, "failed", errorMessage(err));
        count("failed");
        throw new PermanentError(
          `Gave up on message ${id} after ${ctx.deliveryCount} deliveries: ${errorMessage(err)}`,
        );
      }
      count("retry");
      log.warn("provider refused the message; retrying later", { error: errorMessage(err) });
      throw err;
    }
    inFlight.delete(id);
    const sentAt = clock.now();
    accepted.set(id, sentAt);
    // Postgres is the record that matters; the claim marked `sent` lets a restarted sender
    // record it too, and even left `sending` it blocks a second send.
    await Promise.all([
      claims.markSent(id, revision, sentAt.getTime()).catch((err) =>
        log.warn("could not mark the claim sent", { error: errorMessage(err) })
      ),
      store.sent(id, sentAt, true),
    ]);
    accepted.delete(id);
    count("sent");
    log.debug("message sent");
  };
}
