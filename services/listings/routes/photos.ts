/**
 * `/api/v1/listings/{id}/photos/{name}`: photos stream into and out of the object store; their
 * metadata lives on the listing and travels in `listing.updated`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  type Catalog,
  createRouter,
  enqueue,
  jsonContent,
  NotFoundError,
  PayloadTooLargeError,
  problemContent,
  type Sql,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@flotilla/backbone";
import { LISTING_UPDATED } from "@flotilla/contracts";
import {
  listingSchema,
  mediaType,
  type Photo,
  PHOTO_NAME,
  PHOTO_TYPES,
  photoObjectName,
  photoSchema,
  withoutPhoto,
  withPhoto,
} from "../domain/listing.ts";
import { findListing, saveListing } from "../adapters/listing_repo.ts";
import type { PhotoStore } from "../adapters/photo_store.ts";
import { listingEvents, listingNotFound } from "./listings.ts";

export interface PhotosRouteDeps {
  service: string;
  sql: Sql;
  catalog: Catalog;
  photos: PhotoStore;
  maxPhotoBytes: number;
  now: () => number;
}

const photoParams = z.object({
  id: z.coerce.number().int().positive().openapi({ param: { name: "id", in: "path" }, example: 1 }),
  name: z.string().regex(PHOTO_NAME, "letters, digits, '.', '_' or '-', up to 128").openapi({
    param: { name: "name", in: "path" },
    example: "front.jpg",
  }),
});

const photoNotFound = (id: number, name: string) => {
  const message = `Listing ${id} has no photo "${name}"`;
  return new NotFoundError(message, { extensions: { result: false, error: message } });
};

const etagOf = (digest: string) => `"${digest}"`;

export function photosRoutes(deps: PhotosRouteDeps) {
  const { service, sql, catalog, photos, maxPhotoBytes } = deps;
  const router = createRouter();
  const imageTypes = PHOTO_TYPES as readonly string[];

  router.openapi(
    createRoute({
      method: "put",
      path: "/{id}/photos/{name}",
      summary: `Upload or replace a photo (body: the image; ${PHOTO_TYPES.join(", ")})`,
      request: { params: photoParams },
      responses: {
        200: {
          description: "Replaced",
          content: jsonContent(z.object({
            result: z.literal(true),
            photo: photoSchema,
            listing: listingSchema,
          })),
        },
        201: { description: "Stored" },
        404: { description: "No such listing", content: problemContent },
        413: { description: "Larger than the limit", content: problemContent },
        415: { description: "Not an image type we take", content: problemContent },
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const type = mediaType(c.req.header("content-type"));
      if (!imageTypes.includes(type)) {
        throw new UnsupportedMediaTypeError(
          `Cannot store photo: content type must be one of ${imageTypes.join(", ")}, got "${
            type || "none"
          }"`,
        );
      }
      const declared = Number(c.req.header("content-length") ?? "NaN");
      if (declared > maxPhotoBytes) {
        throw new PayloadTooLargeError(
          `Cannot store photo: ${declared} bytes exceeds the limit of ${maxPhotoBytes} bytes`,
        );
      }
      if (!(await findListing(sql, id))) throw listingNotFound(id);
      const body = c.req.raw.body;
      if (!body || declared === 0) {
        throw ValidationError.of("Cannot store photo", [{ path: "body", message: "is empty" }]);
      }
      const objectName = photoObjectName(id, name);
      const info = await photos.put(objectName, type, body, maxPhotoBytes);
      if (info.size === 0) {
        await photos.delete(objectName);
        throw ValidationError.of("Cannot store photo", [{ path: "body", message: "is empty" }]);
      }
      const photo: Photo = {
        name,
        size: info.size,
        digest: info.digest,
        content_type: type,
        uploaded_at: deps.now(),
      };
      const { listing, replaced } = await sql.begin(async (tx) => {
        const before = await findListing(tx, id, { forUpdate: true });
        if (!before) throw listingNotFound(id);
        const replaced = before.photos.some((p) => p.name === name);
        const after = withPhoto(before, photo, deps.now());
        await saveListing(tx, after);
        await enqueue(
          tx,
          catalog,
          listingEvents(c, service, {
            type: LISTING_UPDATED,
            action: replaced ? "listing.photo_replaced" : "listing.photo_added",
            before,
            after,
            metadata: { photo: name, size: info.size, content_type: type },
          }),
        );
        return { listing: after, replaced };
      });
      return c.json({ result: true as const, photo, listing }, replaced ? 200 : 201, {
        location: `/api/v1/listings/${id}/photos/${name}`,
        etag: etagOf(info.digest),
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}/photos/{name}",
      summary: "The photo's bytes, streamed, with Content-Type, Content-Length and ETag",
      request: { params: photoParams },
      responses: {
        200: { description: "The image" },
        304: { description: "Not modified (If-None-Match)" },
        404: { description: "No such listing or photo", content: problemContent },
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const listing = await findListing(sql, id);
      if (!listing) throw listingNotFound(id);
      const meta = listing.photos.find((p) => p.name === name);
      if (!meta) throw photoNotFound(id, name);
      const etag = etagOf(meta.digest);
      if (c.req.header("if-none-match") === etag) {
        return c.body(null, 304, { etag });
      }
      const object = await photos.get(photoObjectName(id, name));
      if (!object) throw photoNotFound(id, name);
      return c.body(object.data, 200, {
        "content-type": object.info.metadata?.content_type ?? meta.content_type,
        "content-length": String(object.info.size),
        etag: etagOf(object.info.digest),
        "cache-control": "private, max-age=0, must-revalidate",
      });
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/{id}/photos/{name}",
      summary: "Delete a photo (publishes listing.updated)",
      request: { params: photoParams },
      responses: {
        204: { description: "Deleted" },
        404: { description: "No such listing or photo", content: problemContent },
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      await sql.begin(async (tx) => {
        const before = await findListing(tx, id, { forUpdate: true });
        if (!before) throw listingNotFound(id);
        const after = withoutPhoto(before, name, deps.now());
        if (!after) throw photoNotFound(id, name);
        await saveListing(tx, after);
        await enqueue(
          tx,
          catalog,
          listingEvents(c, service, {
            type: LISTING_UPDATED,
            action: "listing.photo_deleted",
            before,
            after,
            metadata: { photo: name },
          }),
        );
      });
      // After the commit: a failure here leaves an unreferenced object, never a dangling photo.
      await photos.delete(photoObjectName(id, name)).catch((err) =>
        c.get("logger").warn("photo object not deleted", { name, error: String(err) })
      );
      return c.body(null, 204);
    },
  );

  return router;
}
