/**
 * `deno task publish-orders --count N --rate R --invalid 0.05`: publishes realistic random WB
 * orders (bare JSON, as external systems do) to `orders.new`, with a share of invalid messages,
 * for demos and load. `--rate 0` publishes as fast as the server acknowledges.
 *
 * Options: --count (100), --rate (orders/s, 50), --invalid (share, 0), --seed (random),
 * --url (NATS_URL or nats://127.0.0.1:4222), --quiet.
 */
import { parseArgs } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport";
import { natsAuthOptions } from "@flotilla/backbone";
import { ORDERS_NEW_SUBJECT } from "@flotilla/contracts";
import { invalidMessage, randomOrder, seededRandom } from "@flotilla/orders/random-orders";
import { adminConfig } from "./admin.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "100" },
    rate: { type: "string", default: "50" },
    invalid: { type: "string", default: "0" },
    seed: { type: "string" },
    url: { type: "string", default: Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222" },
    quiet: { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const rate = Number(values.rate);
const invalidShare = Number(values.invalid);
if (!Number.isInteger(count) || count < 1) {
  throw new Error(`--count must be a positive integer, got "${values.count}"`);
}
if (!(rate >= 0)) throw new Error(`--rate must be 0 or more orders a second, got "${values.rate}"`);
if (!(invalidShare >= 0 && invalidShare <= 1)) {
  throw new Error(`--invalid must be a share between 0 and 1, got "${values.invalid}"`);
}
const random = seededRandom(values.seed ? Number(values.seed) : Date.now());
const encoder = new TextEncoder();

const nc = await connect({
  servers: values.url.split(","),
  name: "publish-orders",
  ...natsAuthOptions({ nkey: adminConfig().NATS_NKEY }),
});
const js = jetstream(nc);
const started = performance.now();
let valid = 0;
let invalid = 0;
const window: Promise<unknown>[] = [];
const sample: string[] = [];
for (let i = 0; i < count; i++) {
  let payload: Uint8Array;
  if (random() < invalidShare) {
    payload = invalidMessage(random);
    invalid++;
  } else {
    const order = randomOrder(random);
    if (sample.length < 5) sample.push(order.order_uid);
    payload = encoder.encode(JSON.stringify(order));
    valid++;
  }
  window.push(js.publish(ORDERS_NEW_SUBJECT, payload));
  if (window.length >= 256) await Promise.all(window.splice(0));
  if (rate > 0) {
    const due = started + ((i + 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) {
      await Promise.all(window.splice(0));
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  if (!values.quiet && (i + 1) % 1000 === 0) console.error(`published ${i + 1}/${count}`);
}
await Promise.all(window);
const seconds = (performance.now() - started) / 1000;
console.log(
  `published ${valid} valid and ${invalid} invalid orders to ${ORDERS_NEW_SUBJECT} in ${
    seconds.toFixed(1)
  } s (${Math.round(count / seconds)}/s); some ids: ${sample.join(", ")}`,
);
await nc.drain();
