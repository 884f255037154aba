import { wbOrderFixture } from "@flotilla/testkit";
import assert from "node:assert/strict";
import { ValidationError } from "@flotilla/backbone";
import { randomOrder, seededRandom } from "../random_orders.ts";
import { parseOrderMessage } from "./message.ts";
import { checkOrder, orderJson } from "./order.ts";

const fixture = await wbOrderFixture();
const encode = (v: unknown) =>
  new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const issuesOf = (raw: unknown) => {
  const result = checkOrder(raw);
  return "issues" in result ? result.issues.map((i) => i.path) : [];
};

Deno.test("the sample WB order is valid and its wire form is the sample itself", () => {
  const result = checkOrder(fixture);
  assert.ok("order" in result);
  assert.equal(orderJson(result.order), JSON.stringify(fixture));
});

Deno.test("random orders are valid", () => {
  const random = seededRandom(7);
  for (let i = 0; i < 200; i++) {
    const order = randomOrder(random);
    assert.deepEqual(issuesOf(order), [], JSON.stringify(order));
  }
});

Deno.test("every failing field is reported at once, cross-field rules included", () => {
  const bad = structuredClone(fixture);
  bad.order_uid = "no spaces or dots.allowed";
  delete bad.track_number;
  bad.delivery.email = "not-an-email";
  bad.delivery.phone = "call me";
  bad.payment.currency = "ABC";
  bad.payment.amount = -5;
  bad.payment.delivery_cost = 1.5;
  bad.payment.goods_total = 999;
  bad.date_created = "26/11/2021";
  bad.items[0].sale = 130;
  bad.items[0].total_price = 1;
  bad.items.push({ ...fixture.items[0], track_number: "OTHER", total_price: 400 });
  const paths = issuesOf(bad);
  for (
    const path of [
      "order_uid",
      "track_number",
      "delivery.email",
      "delivery.phone",
      "payment.currency",
      "payment.amount",
      "payment.delivery_cost",
      "date_created",
      "items.0.sale",
      "payment.transaction",
      "items.1.total_price",
    ]
  ) assert.ok(paths.includes(path), `${path} missing from ${paths.join(", ")}`);
});

Deno.test("totals must agree with the items", () => {
  const bad = structuredClone(fixture);
  bad.payment.goods_total = 300;
  bad.payment.amount = 1801;
  bad.items[0].total_price = 400;
  assert.deepEqual(issuesOf(bad).sort(), [
    "items.0.total_price",
    "payment.amount",
    "payment.goods_total",
  ]);
  const empty = { ...structuredClone(fixture), items: [] };
  assert.deepEqual(issuesOf(empty), ["items"]);
});

Deno.test("messages that are not orders are refused with a reason", () => {
  const reason = (bytes: Uint8Array, max = 1024 * 1024) => {
    try {
      parseOrderMessage(bytes, max);
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      return err.message;
    }
    assert.fail("accepted");
  };
  assert.match(reason(new Uint8Array()), /empty message/);
  assert.match(reason(encode("{nope")), /not JSON/);
  assert.match(reason(new Uint8Array([0xff, 0xfe, 0x7b])), /not JSON \(not UTF-8/);
  assert.match(reason(encode("[1,2]")), /\(root\): must be a JSON object/);
  assert.match(reason(new Uint8Array(2048), 1024), /2048 bytes, at most 1024/);
  assert.match(reason(encode({ hello: 1 })), /order_uid: is required; track_number: is required/);
});

Deno.test("our envelope is accepted and its fields are checked under data", () => {
  const envelope = {
    id: "0190a6e2-0000-7000-8000-000000000001",
    type: "order.submitted",
    source: "test",
    time: "2026-01-01T00:00:00Z",
    subject: fixture.order_uid,
    correlation_id: "c-1",
    causation_id: null,
    data: fixture,
  };
  const parsed = parseOrderMessage(encode(envelope), 1024 * 1024);
  assert.equal(parsed.envelope?.id, envelope.id);
  assert.equal(orderJson(parsed.order), JSON.stringify(fixture));
  assert.throws(
    () =>
      parseOrderMessage(
        encode({ ...envelope, data: { ...fixture, locale: 5 } }),
        1024 * 1024,
      ),
    /data\.locale: /,
  );
  assert.throws(
    () => parseOrderMessage(encode({ ...envelope, type: "user.created" }), 1024 * 1024),
    /envelope type must be "order\.submitted"/,
  );
});
