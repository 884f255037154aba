/** The listing-view service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "listing-view";

export function loadListingViewConfig(source?: Record<string, string | undefined>) {
  return loadConfig({
    ...baseShape(SERVICE, 8086),
    /** Events each consumer applies at once. */
    CONSUMER_CONCURRENCY: env.positiveInt(16),
  }, source);
}
