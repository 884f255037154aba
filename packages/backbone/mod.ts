/** The Flotilla backbone: the runtime every service is built on. */
export {
  checkAccess,
  databaseName,
  defineAccess,
  inboxPrefix,
  type JetStreamNeed,
  jetstreamNeeds,
  type KvAccess,
  natsPermissions,
  READ_WRITE,
  type SecretKind,
  type ServiceAccess,
  type SubjectPermissions,
  type TablePrivilege,
} from "./access.ts";
export {
  API_KEYS_BUCKET,
  apiKeyId,
  type ApiKeyInfo,
  apiKeyMatches,
  type ApiKeyRecord,
  apiKeysCatalog,
  createApiKey,
  decodeApiKeyRecord,
  findApiKey,
  hashApiKey,
  keyInfo,
  listApiKeys,
  type NewApiKey,
  revokeApiKey,
  touchApiKey,
} from "./api_keys.ts";
export {
  type Actor,
  actorSchema,
  AUDIT_RECORDED,
  type AuditChange,
  type AuditData,
  auditDataSchema,
  auditEvent,
  auditSubject,
  auditSubjectSource,
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
export { baseShape, ConfigError, env, loadConfig, redactUrl, telemetryShape } from "./config.ts";
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
  ForbiddenError,
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
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./errors.ts";
export { commandMeta, requestActor } from "./http/actor.ts";
export {
  assertActsFor,
  type Authenticator,
  bearerToken,
  gatewayTokens,
  identityOf,
  OPEN_PATHS,
  publicRoute,
  requires,
  SECURITY_SCHEME,
} from "./http/auth.ts";
export {
  actorOf,
  ANONYMOUS,
  generateIdentityKeys,
  IdentitySigner,
  IdentityVerifier,
  type Principal,
  principalKey,
  type PrincipalType,
  type RequestIdentity,
} from "./http/identity.ts";
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
export {
  BIGINT_ID_MAX,
  decimalId,
  decimalInteger,
  IDEMPOTENCY_KEY_PATTERN,
  idNumber,
  offset,
  pageNumber,
  queryInteger,
  safeText,
  storableText,
} from "./http/input.ts";
export { type JsonBody, jsonBody, MAX_BODY_BYTES, payloadTooLarge, readBody } from "./http/body.ts";
export { idempotency, IDEMPOTENCY_BUCKET, idempotencyCatalog } from "./idempotency.ts";
export { isUuid, uuidv7 } from "./ids.ts";
export { followKv, type KvFollower, type KvFollowOptions } from "./kv_follow.ts";
export { createLogger, type Logger, type LogLevel, silentLogger } from "./log.ts";
export { type BreakerStateName, createMetrics, type Metrics } from "./metrics.ts";
export { BACKBONE_SCOPE, migrate, MigrationError, pendingMigrations } from "./migrate.ts";
export {
  connectNats,
  natsAuthOptions,
  type NatsCredentials,
  type NatsHandle,
  newInbox,
} from "./nats.ts";
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
export { missingFromJetStream, provision, type ProvisionReport } from "./provision.ts";
export { type DatabasePlan, dropDatabase, ownerRole, provisionDatabase } from "./provision_db.ts";
export * from "./resilience.ts";
export {
  type BaseConfig,
  defineService,
  type Fetchable as ServiceFetchable,
  type IdentityRuntime,
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
