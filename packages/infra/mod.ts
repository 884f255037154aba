/** Local infrastructure the project starts itself: nats-server and PostgreSQL, installed when missing. */
export {
  aptInstall,
  chromiumBinary,
  ensureDatabase,
  freePort,
  type NatsServer,
  natsServerBinary,
  postgresBinDir,
  type PostgresServer,
  requireCommand,
  startNats,
  startPostgres,
} from "./infra.ts";
