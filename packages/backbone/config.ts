/**
 * Configuration is read once from the environment into a typed, validated, frozen object.
 * Nothing else in a service reads the environment. A secret (`env.secret()`) may instead be
 * given as the path of a file that holds it, in `<NAME>_FILE` (how compose passes secrets);
 * no error message ever shows a secret, nor the password of a URL.
 */
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const SECRET = { secret: true };

function isSecret(schema: z.ZodType): boolean {
  return (schema.meta() as { secret?: boolean } | undefined)?.secret === true;
}

/** A URL's password, as `***`: what may be shown of a value that is not itself a secret. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:@/\s]*:)[^@\s]*@/g, "$1***@");
}

/** Parses `env` with `shape`; a bad or missing value throws a ConfigError naming the variable. */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const schema = z.object(shape);
  const present: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const value = env[key];
    const file = env[`${key}_FILE`];
    if (value !== undefined && value !== "") present[key] = value;
    else if (file && isSecret(field as z.ZodType)) {
      try {
        present[key] = Deno.readTextFileSync(file).trim();
      } catch (err) {
        problems.push(`${key}_FILE: cannot read ${file} (${(err as Error).name})`);
      }
    }
  }
  const parsed = schema.safeParse(present);
  if (!parsed.success || problems.length > 0) {
    const lines = parsed.error?.issues.map((issue) => {
      const name = String(issue.path[0] ?? "(config)");
      const value = present[name];
      const shown = value === undefined
        ? " (not set)"
        : isSecret(shape[name] as z.ZodType)
        ? " (the value is secret and not shown)"
        : `, got "${redactUrl(value)}"`;
      return `${name}: ${issue.message}${shown}`;
    }) ?? [];
    throw new ConfigError(`Invalid configuration: ${[...problems, ...lines].join("; ")}`);
  }
  return Object.freeze(parsed.data);
}

/** Building blocks that every service's config shares. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  natsUrl: () =>
    z.string().regex(/^(nats|tls|ws|wss):\/\/[^\s]+$/, "expected a nats:// URL").default(
      "nats://127.0.0.1:4222",
    ),
  /** Its runtime role by default (named after the database), never the superuser. */
  databaseUrl: (database: string) =>
    z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, "expected a postgres:// URL").default(
      `postgres://${database}@127.0.0.1:5432/${database}`,
    ),
  logLevel: () => z.enum(["debug", "info", "warn", "error"]).default("info"),
  millis: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().min(1).default(fallback),
  nonNegativeInt: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  flag: (fallback: boolean) =>
    z.enum(["true", "false", "1", "0"]).default(fallback ? "true" : "false").transform((v) =>
      v === "true" || v === "1"
    ),
  url: (fallback: string) => z.url().default(fallback),
  host: () =>
    z.string().regex(/^[\w.:-]+$/, "expected an address or host name").default("127.0.0.1"),
  identityPublicKey: () =>
    z.string({
      error: "the gateway's Ed25519 public key (SPKI as PEM or base64) is required; " +
        "`deno task dev` writes one to .data/identity/",
    }).min(40, "expected an Ed25519 public key (SPKI as PEM or base64)"),
  /**
   * A secret: from the variable or from the file `<NAME>_FILE` names; never shown. `schema`
   * checks it further (its messages are shown, the value never).
   */
  secret: (schema: z.ZodString = z.string().min(1)) => schema.meta(SECRET),
  /** An optional secret. */
  optionalSecret: () => z.string().min(1).optional().meta(SECRET),
  /** The path of a file. */
  file: () => z.string().min(1).optional(),
};

/**
 * Traces and metrics. Deno itself reads `OTEL_DENO` (tracing on when "true"), the
 * `OTEL_EXPORTER_OTLP_*` variables and `OTEL_SERVICE_NAME` when the process starts; they are
 * here to be checked and reported at start-up.
 */
export function telemetryShape() {
  return {
    OTEL_DENO: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.url("http://localhost:4318"),
    OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
    /** How often lag, dead letters, the outbox and the pool are sampled for /metrics. */
    METRICS_SAMPLE_MS: env.positiveInt(5_000),
  };
}

/** The variables every service reads; services spread this into their own shape. */
export function baseShape(service: string, port: number) {
  return {
    PORT: env.port(port),
    /** The interface to listen on: loopback unless a deployment says otherwise. */
    HOST: env.host(),
    /** The gateway's public key: a service takes only requests the gateway signed for it. */
    IDENTITY_PUBLIC_KEY: env.identityPublicKey(),
    NATS_URL: env.natsUrl(),
    /** The service's NATS identity: an nkey seed (usually `NATS_NKEY_FILE`). */
    NATS_NKEY: env.optionalSecret(),
    /** TLS to NATS: the CA that signed the server's certificate, and a client certificate. */
    NATS_TLS_CA_FILE: env.file(),
    NATS_TLS_CERT_FILE: env.file(),
    NATS_TLS_KEY_FILE: env.file(),
    DATABASE_URL: env.databaseUrl(service.replaceAll("-", "_")),
    /** The password of DATABASE_URL's role (usually `DATABASE_PASSWORD_FILE`). */
    DATABASE_PASSWORD: env.optionalSecret(),
    LOG_LEVEL: env.logLevel(),
    SHUTDOWN_TIMEOUT_MS: env.millis(15_000),
    ...telemetryShape(),
  };
}
