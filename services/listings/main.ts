/** listings: the CQRS write side of listings, photos in the object store (port 8085). */
import { IDEMPOTENCY_BUCKET, runService } from "@flotilla/backbone";
import { fleetCatalog, listingsAccess, PHOTOS_BUCKET } from "@flotilla/contracts";
import { objectPhotoStore } from "./adapters/photo_store.ts";
import { createApp } from "./app.ts";
import { loadListingsConfig, SERVICE } from "./config.ts";

await runService({
  name: SERVICE,
  config: loadListingsConfig(),
  needs: { nats: { catalog: fleetCatalog, access: listingsAccess }, postgres: { relay: true } },
  start: async (rt) => ({
    app: createApp({
      ...rt,
      photos: objectPhotoStore(await rt.objects(PHOTOS_BUCKET)),
      maxPhotoBytes: rt.config.PHOTO_MAX_BYTES,
      idempotencyKv: await rt.kv(IDEMPOTENCY_BUCKET),
    }),
  }),
});
