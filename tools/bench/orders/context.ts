/** What the phases of the orders bench share: the service under test and the stream feeding it. */
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { ORDERS_NEW_SUBJECT } from "@flotilla/contracts";
import { randomOrder, seededRandom } from "@flotilla/orders/random-orders";
import {
  type Bench,
  type BenchService,
  cpuSeconds,
  publishInBatches,
  waitForOk,
} from "../kit/mod.ts";

export interface OrdersFlags {
  /** How many orders each of ingest and backlog publishes. */
  orders: number;
  connections: number;
  /** Seconds of each measured wrk run. */
  duration: number;
}

export class OrdersBench {
  readonly url: string;
  readonly pid: number;
  readonly js: JetStreamClient;
  readonly #random = seededRandom(42);
  readonly #encoder = new TextEncoder();

  constructor(
    readonly bench: Bench,
    service: BenchService,
    readonly nc: NatsConnection,
    readonly flags: OrdersFlags,
  ) {
    this.url = service.url;
    this.pid = service.child.pid;
    this.js = jetstream(nc);
  }

  /** --orders new random orders: their uids, and the messages that carry them. */
  newOrders(): { uids: string[]; payloads: Uint8Array[] } {
    const orders = Array.from({ length: this.flags.orders }, () => randomOrder(this.#random));
    return {
      uids: orders.map((o) => o.order_uid),
      payloads: orders.map((o) => this.#encoder.encode(JSON.stringify(o))),
    };
  }

  publish(payloads: Uint8Array[]): Promise<void> {
    return publishInBatches(
      payloads.length,
      (i) => this.js.publish(ORDERS_NEW_SUBJECT, payloads[i]),
    );
  }

  /** Waits until the service serves order `uid`, up to five minutes. */
  readable(uid: string): Promise<void> {
    // Each miss costs the service a Postgres query: poll gently, 50 ms is noise here.
    return waitForOk(`${this.url}/api/v1/orders/${uid}`, 300_000, 50, "orders");
  }

  /** CPU seconds the orders process has used so far. */
  async cpu(): Promise<number> {
    return (await cpuSeconds(this.pid)) ?? NaN;
  }
}
