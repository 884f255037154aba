/**
 * Send claims in KV, so the provider hears about a message at most once per successful
 * delivery. `kv.create` (create-if-absent, atomic on the server) takes the claim before the
 * call; success turns it into `sent`; a failed call deletes it (at the revision we hold), so the
 * retry can claim again. A claim left `sending` by a sender that died during the call is never
 * resent: the provider may have taken it, and a second send is worse than an unknown outcome.
 */
import type { KV } from "@nats-io/kv";
import { errorMessage, UnavailableError } from "@flotilla/backbone";

export type Claim =
  | { state: "sending"; owner: string; lease_until: number }
  | { state: "sent"; at: number }
  | { state: "unknown"; at: number };

export type Acquired =
  | { acquired: true; revision: number }
  | { acquired: false; claim: Claim; revision: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (c: Claim) => encoder.encode(JSON.stringify(c));

export class SendClaims {
  constructor(readonly kv: KV, readonly owner: string) {}

  static key(messageId: number): string {
    return `msg.${messageId}`;
  }

  async #read(key: string): Promise<{ claim: Claim; revision: number } | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== "PUT") return undefined;
    return { claim: JSON.parse(decoder.decode(entry.value)) as Claim, revision: entry.revision };
  }

  /** Takes the claim for a send, or says who holds it. */
  async acquire(messageId: number, leaseMs: number, now: number): Promise<Acquired> {
    const key = SendClaims.key(messageId);
    const mine: Claim = { state: "sending", owner: this.owner, lease_until: now + leaseMs };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return { acquired: true, revision: await this.kv.create(key, encode(mine)) };
      } catch (err) {
        let existing;
        try {
          existing = await this.#read(key);
        } catch {
          throw new UnavailableError(`Cannot claim message ${messageId}: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        if (existing) return { acquired: false, ...existing };
        // Released between our create and our read: try again.
      }
    }
    throw new UnavailableError(`Cannot claim message ${messageId}: the claim keeps changing`);
  }

  /** Re-takes a claim this process left behind (a release that failed), at its revision. */
  async renew(messageId: number, revision: number, leaseMs: number, now: number) {
    const mine: Claim = { state: "sending", owner: this.owner, lease_until: now + leaseMs };
    return await this.kv.update(SendClaims.key(messageId), encode(mine), revision);
  }

  async markSent(messageId: number, revision: number, at: number): Promise<void> {
    await this.kv.update(SendClaims.key(messageId), encode({ state: "sent", at }), revision);
  }

  async markUnknown(messageId: number, revision: number, at: number): Promise<void> {
    await this.kv.update(SendClaims.key(messageId), encode({ state: "unknown", at }), revision);
  }

  /** Gives the claim up after a failed call, unless someone else holds it by now. */
  async release(messageId: number, revision: number): Promise<void> {
    await this.kv.delete(SendClaims.key(messageId), { previousSeq: revision });
  }
}
