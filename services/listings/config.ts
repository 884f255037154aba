/** The listings service's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "listings";

export function loadListingsConfig(source?: Record<string, string | undefined>) {
  return loadConfig({
    ...baseShape(SERVICE, 8085),
    /** Largest photo accepted, bytes (413 beyond). */
    PHOTO_MAX_BYTES: env.positiveInt(10 * 1024 * 1024),
  }, source);
}
