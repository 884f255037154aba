/** The users service's configuration, read once from the environment. */
import { baseShape, loadConfig } from "@flotilla/backbone";

export const SERVICE = "users";

export function loadUsersConfig(source?: Record<string, string | undefined>) {
  return loadConfig(baseShape(SERVICE, 8084), source);
}
