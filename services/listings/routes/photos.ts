/**
 * `/api/v1/listings/{id}/photos/{name}`: photos stream into and out of the object store; their
 * metadata lives on the listing and travels in `listing.updated`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  commandMeta,
  createRouter,
  jsonContent,
  problemResponseSpec,
  publicRoute,
  requires,
} from "@flotilla/backbone";
import { idParamSchema, resultSchema } from "@flotilla/contracts";
import { findListing } from "../adapters/listing_repo.ts";
import { deletePhoto } from "../commands/delete_photo.ts";
import { type PhotoDeps, uploadPhoto } from "../commands/upload_photo.ts";
import {
  listingNotFound,
  listingSchema,
  mediaType,
  PHOTO_NAME,
  PHOTO_TYPES,
  photoNotFound,
  photoObjectName,
  photoSchema,
} from "../domain/listing.ts";

const photoParams = idParamSchema.extend({
  name: z.string().regex(PHOTO_NAME, "letters, digits, '.', '_' or '-', up to 128").openapi({
    param: { name: "name", in: "path" },
    example: "front.jpg",
  }),
});

const etagOf = (digest: string) => `"${digest}"`;

export function photosRoutes(deps: PhotoDeps) {
  const router = createRouter({ compat: "result" });

  router.openapi(
    createRoute({
      method: "put",
      path: "/{id}/photos/{name}",
      ...requires("listings:write"),
      summary: `Upload or replace a photo (body: the image; ${PHOTO_TYPES.join(", ")})`,
      request: { params: photoParams },
      responses: {
        200: {
          description: "Replaced",
          content: jsonContent(
            resultSchema("photo", photoSchema).extend({ listing: listingSchema }),
          ),
        },
        201: { description: "Stored" },
        404: problemResponseSpec("No such listing"),
        413: problemResponseSpec("Larger than the limit"),
        415: problemResponseSpec("Not an image type we take"),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const upload = {
        listingId: id,
        name,
        contentType: mediaType(c.req.header("content-type")),
        declaredBytes: Number(c.req.header("content-length") ?? "NaN"),
        body: c.req.raw.body,
      };
      const { photo, listing, replaced } = await uploadPhoto(deps, upload, commandMeta(c));
      return c.json({ result: true as const, photo, listing }, replaced ? 200 : 201, {
        location: `/api/v1/listings/${id}/photos/${name}`,
        etag: etagOf(photo.digest),
      });
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/{id}/photos/{name}",
      ...publicRoute(),
      summary: "The photo's bytes, streamed, with Content-Type, Content-Length and ETag",
      request: { params: photoParams },
      responses: {
        200: { description: "The image" },
        304: { description: "Not modified (If-None-Match)" },
        404: problemResponseSpec("No such listing or photo"),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const listing = await findListing(deps.sql, id);
      if (!listing) throw listingNotFound(id);
      const meta = listing.photos.find((p) => p.name === name);
      if (!meta) throw photoNotFound(id, name);
      const etag = etagOf(meta.digest);
      if (c.req.header("if-none-match") === etag) return c.body(null, 304, { etag });
      const object = await deps.photos.get(photoObjectName(id, name));
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
      ...requires("listings:write"),
      summary: "Delete a photo (publishes listing.updated)",
      request: { params: photoParams },
      responses: {
        204: { description: "Deleted" },
        404: problemResponseSpec("No such listing or photo"),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      await deletePhoto(deps, { listingId: id, name }, commandMeta(c));
      return c.body(null, 204);
    },
  );

  return router;
}
