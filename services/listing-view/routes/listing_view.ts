/** `/api/v1/listing-view`: the denormalised listings with their user, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, problemResponseSpec, publicRoute, type Sql } from "@flotilla/backbone";
import { idParamSchema, resultNotFound, resultResponse } from "@flotilla/contracts";
import { viewItemSchema, viewQuerySchema } from "../domain/view.ts";
import { findListing, queryListings } from "../adapters/view_repo.ts";

export function listingViewRoutes(sql: Sql) {
  const router = createRouter({ compat: "result" });

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...publicRoute(),
      summary: "Listings with their user embedded, newest first, filtered",
      request: { query: viewQuerySchema },
      responses: {
        200: resultResponse("A page of listings", "listings", z.array(viewItemSchema)),
        400: problemResponseSpec("Invalid query"),
      },
    }),
    async (c) => {
      const listings = await queryListings(sql, c.req.valid("query"));
      return c.json({ result: true as const, listings }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      ...publicRoute(),
      summary: "One listing with its user (404 while its user has not arrived)",
      request: { params: idParamSchema },
      responses: {
        200: resultResponse("The listing", "listing", viewItemSchema),
        404: problemResponseSpec("Not in the view (yet)"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const listing = await findListing(sql, id);
      if (!listing) throw resultNotFound(`Listing ${id} not found`);
      return c.json({ result: true as const, listing }, 200);
    },
  );

  return router;
}
