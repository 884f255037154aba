/** `/api/v1/listing-view`: the denormalised listings with their user, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  createRouter,
  jsonContent,
  NotFoundError,
  problemContent,
  type Sql,
} from "@flotilla/backbone";
import { viewItemSchema, viewQuerySchema } from "../domain/view.ts";
import { findListing, queryListings } from "../adapters/view_repo.ts";

export function listingViewRoutes(deps: { sql: Sql }) {
  const { sql } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Listings with their user embedded, newest first, filtered",
      request: { query: viewQuerySchema },
      responses: {
        200: {
          description: "A page of listings",
          content: jsonContent(
            z.object({ result: z.literal(true), listings: z.array(viewItemSchema) }),
          ),
        },
        400: { description: "Invalid query", content: problemContent },
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
      summary: "One listing with its user (404 while its user has not arrived)",
      request: {
        params: z.object({
          id: z.coerce.number().int().positive().openapi({ param: { name: "id", in: "path" } }),
        }),
      },
      responses: {
        200: {
          description: "The listing",
          content: jsonContent(z.object({ result: z.literal(true), listing: viewItemSchema })),
        },
        404: { description: "Not in the view (yet)", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const listing = await findListing(sql, id);
      if (!listing) {
        const message = `Listing ${id} not found`;
        throw new NotFoundError(message, { extensions: { result: false, error: message } });
      }
      return c.json({ result: true as const, listing }, 200);
    },
  );

  return router;
}
