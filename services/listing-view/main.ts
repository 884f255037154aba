/** listing-view: the CQRS read side, listings with their user embedded (port 8086). */
import { runService } from "@flotilla/backbone";
import { fleetCatalog, listingViewAccess } from "@flotilla/contracts";
import { createApp } from "./app.ts";
import { loadListingViewConfig, SERVICE } from "./config.ts";
import { viewConsumers } from "./consumers.ts";

const config = loadListingViewConfig();
await runService({
  name: SERVICE,
  config,
  needs: {
    nats: { catalog: fleetCatalog, access: listingViewAccess },
    postgres: { poolSize: config.CONSUMER_CONCURRENCY * 2 + 4 },
  },
  start: (rt) => ({
    app: createApp(rt),
    consumers: viewConsumers({ concurrency: config.CONSUMER_CONCURRENCY }),
  }),
});
