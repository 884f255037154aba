/**
 * The WB order model: its shape, every rule a careful team checks, and its one wire form.
 * Pure: no I/O. The same JSON text is what we cache, serve and hash.
 */
import { z } from "zod";
import { type FieldIssue, storableText } from "@flotilla/backbone";
import { isCurrency } from "./currencies.ts";

/** Safe as a KV key and a URL path segment; bounded. */
export const ORDER_UID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_ITEMS = 1_000;

const text = (max: number) => storableText().max(max, `must be at most ${max} characters`);
const required = (max: number) => text(max).min(1, "must not be empty");
// z.int() is a safe integer: one check for type, integrality and range.
const integer = z.int({ error: "must be an integer" });
const amount = integer.min(0, "must not be negative");
const id = amount;

export const deliverySchema = z.object({
  name: required(256),
  phone: z.string().regex(/^\+?[0-9]{7,15}$/, "must be a phone number like +9720000000"),
  zip: required(16),
  city: required(128),
  address: required(512),
  region: text(128),
  email: z.string().max(254).pipe(z.email("must be an email address")),
});

export const paymentSchema = z.object({
  transaction: required(64),
  request_id: text(128),
  currency: z.string().refine(isCurrency, "must be an ISO 4217 currency code like USD"),
  provider: required(64),
  amount,
  payment_dt: integer.min(0, "must not be negative").max(
    253402300799,
    "must be a Unix time in seconds",
  ),
  bank: required(64),
  delivery_cost: amount,
  goods_total: amount,
  custom_fee: amount,
});

export const itemSchema = z.object({
  chrt_id: id,
  track_number: required(64),
  price: amount,
  rid: required(64),
  name: required(256),
  sale: integer.min(0, "must be 0 to 100").max(100, "must be 0 to 100"),
  size: text(32),
  total_price: amount,
  nm_id: id,
  brand: text(128),
  status: integer.min(0, "must be 0 to 999").max(999, "must be 0 to 999"),
});

/** Field order is the WB model's: the wire form keeps it. */
export const orderSchema = z.object({
  order_uid: z.string().regex(
    ORDER_UID_PATTERN,
    "must be 1 to 64 characters of letters, digits, _ or -",
  ),
  track_number: required(64),
  entry: required(32),
  delivery: deliverySchema,
  payment: paymentSchema,
  items: z.array(itemSchema).min(1, "must hold at least one item").max(
    MAX_ITEMS,
    `must hold at most ${MAX_ITEMS} items`,
  ),
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, "must be a locale like en or ru"),
  internal_signature: text(256),
  customer_id: required(128),
  delivery_service: required(64),
  shardkey: text(16),
  sm_id: id,
  date_created: z.iso.datetime({ offset: true, message: "must be an RFC 3339 date-time" }),
  oof_shard: text(16),
});

export type Order = z.infer<typeof orderSchema>;
export type Delivery = z.infer<typeof deliverySchema>;
export type Payment = z.infer<typeof paymentSchema>;
export type Item = z.infer<typeof itemSchema>;

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Rules across fields. They run on the raw input, each only where the fields it compares are
 * themselves well-typed, so one pass reports every failing field at once.
 */
export function consistencyIssues(raw: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const payment = isObject(raw.payment) ? raw.payment : undefined;
  const items = Array.isArray(raw.items) ? raw.items : [];
  if (
    payment && typeof payment.transaction === "string" && typeof raw.order_uid === "string" &&
    payment.transaction !== raw.order_uid
  ) {
    issues.push({
      path: "payment.transaction",
      message: `must equal order_uid "${raw.order_uid}", got "${payment.transaction}"`,
    });
  }
  items.forEach((item, i) => {
    if (!isObject(item)) return;
    if (
      typeof item.track_number === "string" && typeof raw.track_number === "string" &&
      item.track_number !== raw.track_number
    ) {
      issues.push({
        path: `items.${i}.track_number`,
        message: `must equal the order's track_number "${raw.track_number}"`,
      });
    }
    if (isInt(item.price) && isInt(item.sale) && isInt(item.total_price)) {
      const expected = (item.price * (100 - item.sale)) / 100;
      if (Math.abs(item.total_price - expected) >= 1) {
        issues.push({
          path: `items.${i}.total_price`,
          message: `must be price less sale (${item.price} - ${item.sale}% = ${
            Math.floor(expected)
          }), got ${item.total_price}`,
        });
      }
    }
  });
  if (payment) {
    const totals = items.map((i) => (isObject(i) ? i.total_price : undefined));
    if (isInt(payment.goods_total) && items.length > 0 && totals.every(isInt)) {
      const sum = totals.reduce((a, b) => a + b, 0);
      if (payment.goods_total !== sum) {
        issues.push({
          path: "payment.goods_total",
          message: `must be the sum of the items' total_price (${sum}), got ${payment.goods_total}`,
        });
      }
    }
    const { amount, goods_total, delivery_cost, custom_fee } = payment;
    if ([amount, goods_total, delivery_cost, custom_fee].every(isInt)) {
      const sum = (goods_total as number) + (delivery_cost as number) + (custom_fee as number);
      if (amount !== sum) {
        issues.push({
          path: "payment.amount",
          message: `must be goods_total + delivery_cost + custom_fee (${sum}), got ${amount}`,
        });
      }
    }
  }
  return issues;
}

/** Zod issues with dotted paths; unknown keys are dropped, not errors. */
function shapeIssues(raw: unknown): { order?: Order; issues: FieldIssue[] } {
  const result = orderSchema.safeParse(raw);
  if (result.success) return { order: result.data, issues: [] };
  return {
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.code === "invalid_type" && issue.input === undefined
        ? "is required"
        : issue.message,
    })),
  };
}

/** Every failing field of a candidate order, or the order itself. */
export function checkOrder(raw: unknown): { order: Order } | { issues: FieldIssue[] } {
  if (!isObject(raw)) {
    return { issues: [{ path: "", message: "must be a JSON object (a WB order)" }] };
  }
  const shape = shapeIssues(raw);
  const issues = [...shape.issues, ...consistencyIssues(raw)];
  if (issues.length > 0 || !shape.order) return { issues };
  return { order: shape.order };
}

/** The one wire form: WB field order, numbers as numbers, nothing else. */
export function orderJson(order: Order): string {
  return JSON.stringify({
    order_uid: order.order_uid,
    track_number: order.track_number,
    entry: order.entry,
    delivery: {
      name: order.delivery.name,
      phone: order.delivery.phone,
      zip: order.delivery.zip,
      city: order.delivery.city,
      address: order.delivery.address,
      region: order.delivery.region,
      email: order.delivery.email,
    },
    payment: {
      transaction: order.payment.transaction,
      request_id: order.payment.request_id,
      currency: order.payment.currency,
      provider: order.payment.provider,
      amount: order.payment.amount,
      payment_dt: order.payment.payment_dt,
      bank: order.payment.bank,
      delivery_cost: order.payment.delivery_cost,
      goods_total: order.payment.goods_total,
      custom_fee: order.payment.custom_fee,
    },
    items: order.items.map((i) => ({
      chrt_id: i.chrt_id,
      track_number: i.track_number,
      price: i.price,
      rid: i.rid,
      name: i.name,
      sale: i.sale,
      size: i.size,
      total_price: i.total_price,
      nm_id: i.nm_id,
      brand: i.brand,
      status: i.status,
    })),
    locale: order.locale,
    internal_signature: order.internal_signature,
    customer_id: order.customer_id,
    delivery_service: order.delivery_service,
    shardkey: order.shardkey,
    sm_id: order.sm_id,
    date_created: order.date_created,
    oof_shard: order.oof_shard,
  });
}
