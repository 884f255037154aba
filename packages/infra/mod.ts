/**
 * Local infrastructure the project starts itself: nats-server and PostgreSQL, installed when
 * missing, and an OTLP receiver for traces.
 */
export { aptInstall, chromiumBinary, requireCommand } from "./install.ts";
export { freePort, ownGroupCommand } from "./processes.ts";
export {
  authorization,
  type NatsPermissions,
  type NatsServer,
  natsServerBinary,
  type NatsUser,
  startNats,
} from "./nats.ts";
export { ensureDatabase, postgresBinDir, type PostgresServer, startPostgres } from "./postgres.ts";
export { generate, nkeyPublicKey, type SecretKind, SecretStore } from "./secrets.ts";
export {
  type DatabaseTarget,
  type Identities,
  LocalFleet,
  natsUsers,
  provisionServiceDatabase,
  serviceEnvironment,
} from "./fleet.ts";
export { decodeTraces, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp.ts";
