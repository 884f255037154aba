/** The mailer's configuration, read once from the environment. */
import { baseShape, env, loadConfig } from "@flotilla/backbone";

export const SERVICE = "mailer";

const mailerShape = {
  ...baseShape(SERVICE, 8088),
  PROVIDER_URL: env.url("http://127.0.0.1:8090"),
  /** The provider's bearer token (or PROVIDER_TOKEN_FILE): required, there is no default. */
  PROVIDER_TOKEN: env.secret(),
  /** One provider call at most this long. */
  PROVIDER_TIMEOUT_MS: env.millis(3_000),
  /** Provider calls in flight at once, per replica. */
  SENDER_CONCURRENCY: env.positiveInt(128),
  /** Consecutive provider failures that open the circuit. */
  BREAKER_THRESHOLD: env.positiveInt(5),
  /** How long the circuit stays open before one trial call. */
  BREAKER_HALF_OPEN_MS: env.millis(5_000),
  /** How long a send claim protects a call in progress; 0 = provider timeout + 2 s. */
  CLAIM_LEASE_MS: env.millis(0),
  /** No call is started closer than this to a mailing's end. */
  SEND_END_MARGIN_MS: env.millis(100),
  SCHEDULER_INTERVAL_MS: env.millis(1_000),
  DB_POOL_SIZE: env.positiveInt(24),
};

export type MailerConfig = ReturnType<typeof loadMailerConfig>;

export function loadMailerConfig(source?: Record<string, string | undefined>) {
  return loadConfig(mailerShape, source);
}
