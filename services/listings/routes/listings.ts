/** `/api/v1/listings`: create, read, change and page through listings. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  commandMeta,
  createRouter,
  jsonBody,
  problemResponseSpec,
  requires,
} from "@flotilla/backbone";
import { idParamSchema, resultResponse } from "@flotilla/contracts";
import { findListing, listListings } from "../adapters/listing_repo.ts";
import { createListing } from "../commands/create_listing.ts";
import type { ChangeDeps } from "../commands/listing_change.ts";
import { updateListing } from "../commands/update_listing.ts";
import {
  createListingSchema,
  listingNotFound,
  listingSchema,
  listQuerySchema,
  updateListingSchema,
} from "../domain/listing.ts";

export function listingsRoutes(deps: ChangeDeps) {
  const router = createRouter({ compat: "result" });

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      ...requires("listings:write"),
      summary: "Create a listing (publishes listing.created); Idempotency-Key supported",
      request: { body: jsonBody(createListingSchema) },
      responses: {
        201: resultResponse("Created", "listing", listingSchema),
        400: problemResponseSpec("Invalid request"),
      },
    }),
    async (c) => {
      const listing = await createListing(deps, c.req.valid("json"), commandMeta(c));
      return c.json({ result: true as const, listing }, 201, {
        location: `/api/v1/listings/${listing.id}`,
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      ...requires("listings:read"),
      summary: "One listing, with its photos' metadata",
      request: { params: idParamSchema },
      responses: {
        200: resultResponse("The listing", "listing", listingSchema),
        404: problemResponseSpec("No such listing"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const listing = await findListing(deps.sql, id);
      if (!listing) throw listingNotFound(id);
      return c.json({ result: true as const, listing }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      ...requires("listings:write"),
      summary: "Change a listing's type or price (publishes listing.updated)",
      request: { params: idParamSchema, body: jsonBody(updateListingSchema) },
      responses: {
        200: resultResponse("The listing", "listing", listingSchema),
        400: problemResponseSpec("Invalid request"),
        404: problemResponseSpec("No such listing"),
      },
    }),
    async (c) => {
      const input = { id: c.req.valid("param").id, patch: c.req.valid("json") };
      const listing = await updateListing(deps, input, commandMeta(c));
      return c.json({ result: true as const, listing }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("listings:read"),
      summary: "Listings, newest first, optionally of one user",
      request: { query: listQuerySchema },
      responses: {
        200: resultResponse("A page of listings", "listings", z.array(listingSchema)),
      },
    }),
    async (c) => {
      const listings = await listListings(deps.sql, c.req.valid("query"));
      return c.json({ result: true as const, listings }, 200);
    },
  );

  return router;
}
