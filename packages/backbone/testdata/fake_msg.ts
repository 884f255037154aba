/** A JetStream message for unit tests of the consumer's steps: it records how it was settled. */
import type { DeliveryInfo, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { createEvent, type Envelope } from "../envelope.ts";

export interface FakeMsgOptions {
  data?: Uint8Array | string;
  deliveryCount?: number;
  streamSequence?: number;
  headers?: Record<string, string>;
}

export class FakeMsg implements JsMsg {
  /** What the consumer told the server, in order: "ack", "nak", "nak 300", "term", "working". */
  readonly calls: string[] = [];
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  readonly info: DeliveryInfo;
  readonly subject = "test.happened";
  readonly sid = 1;
  readonly time = new Date();
  readonly timestamp = this.time.toISOString();
  readonly timestampNanos = BigInt(this.time.getTime()) * 1_000_000n;

  constructor(options: FakeMsgOptions = {}) {
    this.data = typeof options.data === "string"
      ? new TextEncoder().encode(options.data)
      : options.data ?? new Uint8Array();
    if (options.headers) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(options.headers)) h.set(k, v);
      this.headers = h;
    }
    const deliveryCount = options.deliveryCount ?? 1;
    this.info = {
      domain: "",
      stream: "TEST",
      consumer: "test-worker",
      deliveryCount,
      streamSequence: options.streamSequence ?? 1,
      deliverySequence: 1,
      timestampNanos: 0,
      pending: 0,
      redelivered: deliveryCount > 1,
    };
  }

  get redelivered() {
    return this.info.redelivered;
  }
  get seq() {
    return this.info.streamSequence;
  }
  /** The last settling call (working() does not settle). */
  get settled(): string | undefined {
    return this.calls.filter((c) => c !== "working").at(-1);
  }

  ack() {
    this.calls.push("ack");
  }
  nak(millis?: number) {
    this.calls.push(millis === undefined ? "nak" : `nak ${millis}`);
  }
  working() {
    this.calls.push("working");
  }
  term() {
    this.calls.push("term");
  }
  next() {
    throw new Error("not used by the consumer");
  }
  ackAck() {
    this.ack();
    return Promise.resolve(true);
  }
  json<T>(): T {
    return JSON.parse(this.string());
  }
  string() {
    return new TextDecoder().decode(this.data);
  }
}

/** A fake message carrying a test event, and the event. */
export function fakeDelivery<T>(data: T, options: FakeMsgOptions = {}) {
  const event: Envelope<T> = createEvent({
    type: "test.happened",
    source: "test",
    subject: "s-1",
    data,
  });
  const msg = new FakeMsg({ data: JSON.stringify(event), ...options });
  return { msg, event };
}
