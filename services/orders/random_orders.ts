/**
 * Realistic random WB orders (several items, varied currencies and cities) and the kinds of
 * junk external publishers send, for tests, demos and benchmarks. Seeded, so runs repeat.
 */
import type { Item, Order } from "./domain/order.ts";

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const places = [
  { city: "Moscow", region: "Moscow", zip: "101000", currency: "RUB", locale: "ru", phone: "+7" },
  { city: "Kazan", region: "Tatarstan", zip: "420111", currency: "RUB", locale: "ru", phone: "+7" },
  { city: "Almaty", region: "Almaty", zip: "050000", currency: "KZT", locale: "kk", phone: "+7" },
  { city: "Minsk", region: "Minsk", zip: "220030", currency: "BYN", locale: "be", phone: "+375" },
  { city: "Tbilisi", region: "Tbilisi", zip: "0105", currency: "GEL", locale: "ka", phone: "+995" },
  {
    city: "Kiryat Mozkin",
    region: "Kraiot",
    zip: "2639809",
    currency: "USD",
    locale: "en",
    phone: "+972",
  },
  { city: "Yerevan", region: "Yerevan", zip: "0010", currency: "AMD", locale: "hy", phone: "+374" },
  { city: "Berlin", region: "Berlin", zip: "10115", currency: "EUR", locale: "de", phone: "+49" },
];
const goods = [
  ["Mascaras", "Vivienne Sabo"],
  ["Running shoes", "Asics"],
  ["Phone case", "Baseus"],
  ["Тёплый шарф", "Zarina"],
  ["Kettle", "Bosch"],
  ["Notebook A5", "Leuchtturm1917"],
  ["Headphones", "Sony"],
  ["Yoga mat", "Demix"],
  ["Coffee beans 1 kg", "Lavazza"],
  ["Children's book", "Eksmo"],
];
const names = ["Test Testov", "Anna Petrova", "Ivan Ivanov", "Maria Kuznetsova", "Oleg Smirnov"];
const providers = ["wbpay", "sbp", "card"];
const banks = ["alpha", "sber", "tinkoff", "vtb"];
const services = ["meest", "cdek", "wb", "boxberry"];

export function randomOrder(random: () => number, uid?: string): Order {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const order_uid = uid ?? `${hex(16)}test`;
  const track_number = `WBIL${hex(10).toUpperCase()}`;
  const place = pick(places);
  const items: Item[] = Array.from({ length: int(1, 5) }, () => {
    const [name, brand] = pick(goods);
    const price = int(50, 20_000);
    const sale = pick([0, 0, 10, 15, 30, 50]);
    return {
      chrt_id: int(1_000_000, 99_999_999),
      track_number,
      price,
      rid: `${hex(16)}test`,
      name,
      sale,
      size: pick(["0", "S", "M", "L", "42"]),
      total_price: Math.floor((price * (100 - sale)) / 100),
      nm_id: int(100_000, 9_999_999),
      brand,
      status: pick([200, 202, 203]),
    };
  });
  const goods_total = items.reduce((sum, i) => sum + i.total_price, 0);
  const delivery_cost = pick([0, 300, 500, 1500]);
  const custom_fee = pick([0, 0, 0, 100]);
  const created = new Date(Date.UTC(2026, 0, 1) + int(0, 300 * 86_400) * 1000);
  return {
    order_uid,
    track_number,
    entry: "WBIL",
    delivery: {
      name: pick(names),
      phone: `${place.phone}${int(100_000_000, 999_999_999)}`,
      zip: place.zip,
      city: place.city,
      address: `${pick(["Lenina", "Mira", "Gagarina", "Pushkina"])} ${int(1, 200)}`,
      region: place.region,
      email: `${hex(6)}@example.com`,
    },
    payment: {
      transaction: order_uid,
      request_id: "",
      currency: place.currency,
      provider: pick(providers),
      amount: goods_total + delivery_cost + custom_fee,
      payment_dt: Math.floor(created.getTime() / 1000) + int(0, 600),
      bank: pick(banks),
      delivery_cost,
      goods_total,
      custom_fee,
    },
    items,
    locale: place.locale,
    internal_signature: "",
    customer_id: `customer-${int(1, 5_000)}`,
    delivery_service: pick(services),
    shardkey: String(int(0, 9)),
    sm_id: int(1, 100),
    date_created: created.toISOString().replace(".000Z", "Z"),
    oof_shard: String(int(1, 2)),
  };
}

/** One message an external system might send that must be dead-lettered. */
export function invalidMessage(random: () => number): Uint8Array {
  const encoder = new TextEncoder();
  const order = randomOrder(random);
  switch (Math.floor(random() * 6)) {
    case 0:
      return encoder.encode(`{"order_uid": "${order.order_uid}", "items": [`);
    case 1:
      return new Uint8Array();
    case 2:
      return encoder.encode(JSON.stringify({ hello: "world", n: random() }));
    case 3:
      return encoder.encode(
        JSON.stringify({ ...order, payment: { ...order.payment, amount: -1, currency: "XXXX" } }),
      );
    case 4:
      return encoder.encode(JSON.stringify({ ...order, items: [] }));
    default:
      return encoder.encode(
        JSON.stringify({ ...order, delivery: { ...order.delivery, email: "not-an-email" } }),
      );
  }
}
