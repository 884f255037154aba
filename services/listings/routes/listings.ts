/** `/api/v1/listings`: create, read, change and page through listings. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type AppEnv,
  auditEvent,
  type Catalog,
  createEvent,
  createRouter,
  enqueue,
  jsonContent,
  NotFoundError,
  problemContent,
  requestActor,
  type Sql,
} from "@flotilla/backbone";
import { LISTING_CREATED, LISTING_UPDATED } from "@flotilla/contracts";
import {
  applyPatch,
  createListingSchema,
  type Listing,
  listingSchema,
  listQuerySchema,
  updateListingSchema,
} from "../domain/listing.ts";
import { findListing, insertListing, listListings, saveListing } from "../adapters/listing_repo.ts";

export interface ListingsRouteDeps {
  service: string;
  sql: Sql;
  catalog: Catalog;
  /** Microseconds since the epoch. */
  now: () => number;
}

export const idParam = z.object({
  id: z.coerce.number().int().positive().openapi({ param: { name: "id", in: "path" }, example: 1 }),
});
export const listingBody = z.object({ result: z.literal(true), listing: listingSchema });

export function listingNotFound(id: number): NotFoundError {
  const message = `Listing ${id} not found`;
  return new NotFoundError(message, { extensions: { result: false, error: message } });
}

export const causeOf = (c: Context<AppEnv>) => ({ correlationId: c.get("correlationId") });

/** The events of one change to a listing: the snapshot and its audit record. */
export function listingEvents(
  c: Context<AppEnv>,
  service: string,
  change: {
    type: string;
    action: string;
    before?: Listing;
    after: Listing;
    metadata?: Record<string, unknown>;
  },
) {
  return [
    createEvent<Listing>({
      type: change.type,
      source: service,
      subject: change.after.id,
      data: change.after,
      cause: causeOf(c),
    }),
    auditEvent({
      source: service,
      actor: requestActor(c),
      action: change.action,
      target: { type: "listing", id: change.after.id },
      before: change.before ?? null,
      after: change.after,
      metadata: change.metadata,
      cause: causeOf(c),
    }),
  ];
}

export function listingsRoutes(deps: ListingsRouteDeps) {
  const { service, sql, catalog } = deps;
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Create a listing (publishes listing.created); Idempotency-Key supported",
      request: { body: { content: jsonContent(createListingSchema) } },
      responses: {
        201: { description: "Created", content: jsonContent(listingBody) },
        400: { description: "Invalid request", content: problemContent },
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const listing = await sql.begin(async (tx) => {
        const listing = await insertListing(tx, input);
        await enqueue(
          tx,
          catalog,
          listingEvents(c, service, {
            type: LISTING_CREATED,
            action: "listing.created",
            after: listing,
          }),
        );
        return listing;
      });
      return c.json({ result: true as const, listing }, 201, {
        location: `/api/v1/listings/${listing.id}`,
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "One listing, with its photos' metadata",
      request: { params: idParam },
      responses: {
        200: {
          description: "The listing",
          content: jsonContent(listingBody),
        },
        404: { description: "No such listing", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const listing = await findListing(sql, id);
      if (!listing) throw listingNotFound(id);
      return c.json({ result: true as const, listing }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      summary: "Change a listing's type or price (publishes listing.updated)",
      request: {
        params: idParam,
        body: { content: jsonContent(updateListingSchema) },
      },
      responses: {
        200: {
          description: "The listing",
          content: jsonContent(listingBody),
        },
        400: { description: "Invalid request", content: problemContent },
        404: { description: "No such listing", content: problemContent },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const listing = await sql.begin(async (tx) => {
        const before = await findListing(tx, id, { forUpdate: true });
        if (!before) throw listingNotFound(id);
        const after = applyPatch(before, patch, deps.now());
        if (!after) return before;
        await saveListing(tx, after);
        await enqueue(
          tx,
          catalog,
          listingEvents(c, service, {
            type: LISTING_UPDATED,
            action: "listing.updated",
            before,
            after,
          }),
        );
        return after;
      });
      return c.json({ result: true as const, listing }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Listings, newest first, optionally of one user",
      request: { query: listQuerySchema },
      responses: {
        200: {
          description: "A page of listings",
          content: jsonContent(
            z.object({ result: z.literal(true), listings: z.array(listingSchema) }),
          ),
        },
      },
    }),
    async (c) => {
      const listings = await listListings(sql, c.req.valid("query"));
      return c.json({ result: true as const, listings }, 200);
    },
  );

  return router;
}
