/**
 * Local infrastructure the project starts itself: nats-server and PostgreSQL, installed when
 * missing, and an OTLP receiver for traces.
 */
export { aptInstall, chromiumBinary, requireCommand } from "./install.ts";
export { freePort, ownGroupCommand } from "./processes.ts";
export { type NatsServer, natsServerBinary, startNats } from "./nats.ts";
export { ensureDatabase, postgresBinDir, type PostgresServer, startPostgres } from "./postgres.ts";
export { decodeTraces, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp.ts";
