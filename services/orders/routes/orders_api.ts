/** `/api/v1/orders`: one order by id (the WB model, exactly), and the newest orders. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  createRouter,
  jsonContent,
  NotFoundError,
  problemContent,
  publicRoute,
  queryInteger,
  requires,
  safeText,
} from "@flotilla/backbone";
import { ORDER_UID_PATTERN, orderSchema } from "../domain/order.ts";
import type { OrderReads } from "../queries/order_reads.ts";

const uidParam = z.object({
  order_uid: z.string().regex(
    ORDER_UID_PATTERN,
    "must be 1 to 64 characters of letters, digits, _ or -",
  ).openapi({ param: { name: "order_uid", in: "path" }, example: "b563feb7b2b84b6test" }),
});
const pageQuery = z.object({
  limit: queryInteger({ min: 1, max: 100, default: 20 }).openapi({ example: 20 }),
  cursor: safeText({ max: 512 }).optional().openapi({
    description: "next_cursor of the last page",
  }),
});
const pageBody = z.object({
  orders: z.array(orderSchema),
  next_cursor: z.string().nullable(),
});

export function ordersRoutes(reads: OrderReads) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/{order_uid}",
      ...publicRoute(),
      summary: "An order by its order_uid, exactly in the WB model",
      request: { params: uidParam },
      responses: {
        200: {
          description: "The order (x-order-source says mirror, kv or postgres)",
          content: jsonContent(orderSchema),
        },
        400: { description: "Malformed order_uid", content: problemContent },
        404: { description: "No such order", content: problemContent },
      },
    }),
    async (c) => {
      const { order_uid } = c.req.valid("param");
      const found = await reads.get(order_uid);
      if (!found) throw new NotFoundError(`Order "${order_uid}" not found`);
      return new Response(found.json as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { "content-type": "application/json", "x-order-source": found.source },
      }) as never;
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("orders:read"),
      summary: "The newest orders first (by date_created), keyset-paginated",
      request: { query: pageQuery },
      responses: {
        200: { description: "A page", content: jsonContent(pageBody) },
        400: { description: "Invalid limit or cursor", content: problemContent },
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await reads.list(limit, cursor), 200);
    },
  );

  return router;
}
