import assert from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { testCatalog } from "@flotilla/testkit";
import { fakeDelivery, FakeMsg } from "../testdata/fake_msg.ts";
import { all, type Decoded } from "./compose.ts";
import { decoding, envelopeDecoder } from "./decode.ts";

type Data = { n: number };
const decode = envelopeDecoder<Data>(testCatalog);

Deno.test("the envelope decoder returns the event with its data checked", () => {
  const { msg, event } = fakeDelivery({ n: 1 });
  assert.deepEqual(decode(msg), event);
});

Deno.test("the envelope decoder says why a message is not an event", () => {
  const { event } = fakeDelivery({ n: 1 });
  const cases: [string, RegExp][] = [
    ["", /empty message/],
    ["{not json", /not JSON/],
    [JSON.stringify({ ...event, id: "" }), /bad envelope: id/],
    [JSON.stringify({ ...event, type: "test.unknown" }), /unknown type "test\.unknown"/],
    [JSON.stringify({ ...event, data: { n: "one" } }), /Cannot decode test\.happened: data\.n: /],
  ];
  for (const [data, reason] of cases) {
    assert.throws(() => decode(new FakeMsg({ data })), reason);
  }
});

Deno.test("decoding dead-letters what does not decode and hands the rest on together", async () => {
  const parked: [JsMsg, string][] = [];
  const handed: Decoded<Data>[][] = [];
  const run = decoding(
    decode,
    (msg, reason) => (parked.push([msg, reason]), Promise.resolve()),
    (work) => (handed.push(work), Promise.resolve(all(work, "ack"))),
  );
  const good = [fakeDelivery({ n: 1 }), fakeDelivery({ n: 2 })];
  const bad = new FakeMsg({ data: "{not json" });
  await run([good[0].msg, bad, good[1].msg]);
  assert.deepEqual(handed, [good]);
  assert.equal(parked.length, 1);
  assert.equal(parked[0][0], bad);
  assert.match(parked[0][1], /not JSON/);

  await run([new FakeMsg()]);
  assert.equal(handed.length, 1, "nothing left to hand on");
});
