/** The Flotilla backbone: the runtime every service is built on. */
export {
  type Actor,
  actorSchema,
  AUDIT_RECORDED,
  type AuditChange,
  type AuditData,
  auditDataSchema,
  auditEvent,
  systemActor,
} from "./audit.ts";
export { type Admission, Batcher } from "./batcher.ts";
export { backoffDelay, type BackoffOptions, defaultBackoff } from "./backoff.ts";
export {
  type Catalog,
  type ConsumerSpec,
  consumerSpec,
  defineCatalog,
  type EventSpec,
  type KvSpec,
  mergeCatalogs,
  type ObjectBucketSpec,
  type StreamSpec,
  subjectMatches,
  subjectOf,
} from "./catalog.ts";
export { type CommandDeps, type CommandMeta, type Emitter, emitting, transact } from "./command.ts";
export { baseShape, ConfigError, env, loadConfig, telemetryShape } from "./config.ts";
export {
  type BatchContext,
  type BatchHandler,
  type ConsumerOptions,
  type Decoder,
  envelopeDecoder,
  type Handler,
  type MessageContext,
  type RunningConsumer,
  startConsumer,
  type TransactionalHandler,
  type TransactionContext,
} from "./consumer.ts";
export { type ConsumerDeclaration } from "./consumer/declaration.ts";
export {
  connectPostgres,
  postgresReady,
  type Queryable,
  type Sql,
  type TransactionSql,
} from "./db.ts";
export {
  DEAD_LETTER_CLASSES,
  deadLetter,
  deadLetterCatalog,
  type DeadLetterClass,
  DeadLetterHeaders,
  DLQ_STREAM,
  DLQ_SUBJECT_PREFIX,
} from "./dead_letter.ts";
export { type Disposition, dispositionOf } from "./disposition.ts";
export { createEvent, type Envelope, envelopeSchema, type NewEvent } from "./envelope.ts";
export {
  ConflictError,
  type ErrorKind,
  errorMessage,
  type FieldIssue,
  FlotillaError,
  isConflictError,
  isFlotillaError,
  isNotFoundError,
  isPermanentError,
  issuesFromZod,
  isUnavailableError,
  isValidationError,
  NotFoundError,
  PayloadTooLargeError,
  PermanentError,
  RateLimitedError,
  TimeoutError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./errors.ts";
export { commandMeta, requestActor } from "./http/actor.ts";
export {
  type AppEnv,
  type AppVariables,
  createHttpApp,
  type HttpAppOptions,
  type OpenApiDocument,
  type ReadinessCheck,
  type ReadinessReport,
} from "./http/app.ts";
export { createRouter, type RouterOptions, validationHook } from "./http/router.ts";
export { idempotency, IDEMPOTENCY_BUCKET, idempotencyCatalog } from "./idempotency.ts";
export { isUuid, uuidv7 } from "./ids.ts";
export { createLogger, type Logger, type LogLevel, silentLogger } from "./log.ts";
export { type BreakerStateName, createMetrics, type Metrics } from "./metrics.ts";
export { BACKBONE_SCOPE, migrate, MigrationError } from "./migrate.ts";
export { connectNats, type NatsHandle } from "./nats.ts";
export {
  jsonContent,
  problemContent,
  problemResponse as problemResponseSpec,
  problemSchema,
} from "./http/openapi.ts";
export { enqueue, OUTBOX_CHANNEL, OutboxRelay, type RelayOptions } from "./outbox.ts";
export {
  problem,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  problemResponse,
  toProblem,
} from "./problem.ts";
export { type PostgresGuard, postgresGuard } from "./postgres_guard.ts";
export { provision, type ProvisionReport } from "./provision.ts";
export * from "./resilience.ts";
export {
  type BaseConfig,
  defineService,
  type Fetchable as ServiceFetchable,
  type Needs,
  type RunningService,
  runService,
  type Runtime as ServiceRuntime,
  type ServiceDefinition,
  type ServiceParts,
  type Worker,
} from "./launcher.ts";
export { Lifecycle } from "./shutdown.ts";
export { Loop, type LoopOptions } from "./loop.ts";
