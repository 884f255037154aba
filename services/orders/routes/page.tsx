/**
 * `GET /orders`: a page where a person types an order id and sees the order. Server-rendered,
 * reached through the gateway. One order by its id is public (the id is what the customer
 * holds); the newest orders are listed only for a caller with `orders:read`.
 */
import { type FC, Fragment } from "hono/jsx";
import { createRouter, identityOf } from "@flotilla/backbone";
import { type Order, ORDER_UID_PATTERN } from "../domain/order.ts";
import type { OrderReads } from "../queries/order_reads.ts";

const css = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}form{display:flex;gap:.5rem;margin:1rem 0}
input{flex:1;font:inherit;padding:.4rem}button{font:inherit;padding:.4rem 1rem}
section{margin:1.2rem 0}dl{display:grid;grid-template-columns:12rem 1fr;gap:.2rem .8rem}
dt{color:#666}dd{margin:0}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
td.n,th.n{text-align:right}.message{padding:.8rem;border-radius:.3rem;background:#fff3f3;border:1px solid #e99}
.recent a{margin-right:.8rem}`;

const money = (cents: number, currency: string) => `${cents} ${currency}`;

const Fields: FC<{ rows: [string, string | number][]; id: string }> = ({ rows, id }) => (
  <dl id={id}>
    {rows.map(([k, v]) => (
      <Fragment key={k}>
        <dt>{k}</dt>
        <dd data-field={k}>{String(v)}</dd>
      </Fragment>
    ))}
  </dl>
);

const OrderView: FC<{ order: Order }> = ({ order: o }) => (
  <article id="order">
    <h2>
      Order <span id="order-uid">{o.order_uid}</span>
    </h2>
    <Fields
      id="header"
      rows={[
        ["track_number", o.track_number],
        ["entry", o.entry],
        ["customer_id", o.customer_id],
        ["date_created", o.date_created],
        ["locale", o.locale],
        ["delivery_service", o.delivery_service],
        ["shardkey", o.shardkey],
        ["sm_id", o.sm_id],
        ["oof_shard", o.oof_shard],
        ["internal_signature", o.internal_signature],
      ]}
    />
    <section>
      <h3>Delivery</h3>
      <Fields
        id="delivery"
        rows={[
          ["name", o.delivery.name],
          ["phone", o.delivery.phone],
          ["email", o.delivery.email],
          ["zip", o.delivery.zip],
          ["city", o.delivery.city],
          ["address", o.delivery.address],
          ["region", o.delivery.region],
        ]}
      />
    </section>
    <section>
      <h3>Payment</h3>
      <Fields
        id="payment"
        rows={[
          ["transaction", o.payment.transaction],
          ["request_id", o.payment.request_id],
          ["provider", o.payment.provider],
          ["bank", o.payment.bank],
          ["currency", o.payment.currency],
          ["payment_dt", new Date(o.payment.payment_dt * 1000).toISOString()],
        ]}
      />
    </section>
    <section>
      <h3>Items</h3>
      <table id="items">
        <thead>
          <tr>
            <th>name</th>
            <th>brand</th>
            <th>size</th>
            <th class="n">chrt_id</th>
            <th class="n">nm_id</th>
            <th>rid</th>
            <th class="n">status</th>
            <th class="n">price</th>
            <th class="n">sale %</th>
            <th class="n">total_price</th>
          </tr>
        </thead>
        <tbody>
          {o.items.map((i, n) => (
            <Fragment key={String(n)}>
              <tr>
                <td>{i.name}</td>
                <td>{i.brand}</td>
                <td>{i.size}</td>
                <td class="n">{i.chrt_id}</td>
                <td class="n">{i.nm_id}</td>
                <td>{i.rid}</td>
                <td class="n">{i.status}</td>
                <td class="n">{i.price}</td>
                <td class="n">{i.sale}</td>
                <td class="n">{i.total_price}</td>
              </tr>
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
    <section>
      <h3>Totals</h3>
      <Fields
        id="totals"
        rows={[
          ["goods_total", money(o.payment.goods_total, o.payment.currency)],
          ["delivery_cost", money(o.payment.delivery_cost, o.payment.currency)],
          ["custom_fee", money(o.payment.custom_fee, o.payment.currency)],
          ["amount", money(o.payment.amount, o.payment.currency)],
        ]}
      />
    </section>
  </article>
);

const Page: FC<{ uid: string; order?: Order; message?: string; recent: string[] }> = (
  { uid, order, message, recent },
) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>{order ? `Order ${order.order_uid}` : "Order tracker"}</title>
      <style>{css}</style>
    </head>
    <body>
      <h1>Order tracker</h1>
      <form method="get" action={PAGE}>
        <input
          id="order-uid-input"
          name="order_uid"
          value={uid}
          placeholder="order_uid, e.g. b563feb7b2b84b6test"
          autofocus
          required
        />
        <button id="show" type="submit">Show order</button>
      </form>
      {message && <p class="message" id="message" role="alert">{message}</p>}
      {order && <OrderView order={order} />}
      {!order && recent.length > 0 && (
        <p class="recent">
          Newest: {recent.map((r) => (
            <Fragment key={r}>
              <a href={`${PAGE}?order_uid=${encodeURIComponent(r)}`}>{r}</a>
            </Fragment>
          ))}
        </p>
      )}
    </body>
  </html>
);

/** Where the page lives, in this service and at the gateway. */
export const PAGE = "/orders";

export function pageRoutes(reads: OrderReads) {
  const router = createRouter();
  router.get(PAGE, async (c) => {
    const uid = (c.req.query("order_uid") ?? "").trim();
    let order: Order | undefined;
    let message: string | undefined;
    let status: 200 | 400 | 404 = 200;
    if (uid && !ORDER_UID_PATTERN.test(uid)) {
      message = `"${uid.slice(0, 80)}" is not an order id: use 1 to 64 letters, digits, _ or -.`;
      status = 400;
    } else if (uid) {
      const found = await reads.get(uid);
      if (found) order = JSON.parse(new TextDecoder().decode(found.json)) as Order;
      else {
        message = `No order with id "${uid}".`;
        status = 404;
      }
    }
    const mayList = identityOf(c).principal.scopes.includes("orders:read");
    const recent = order || !mayList ? [] : (await reads.list(10)).orders.map((o) => o.order_uid);
    return c.html(
      "<!doctype html>" + <Page uid={uid} order={order} message={message} recent={recent} />,
      status,
    );
  });
  return router;
}
