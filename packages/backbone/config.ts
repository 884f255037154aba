/**
 * Configuration is read once from the environment into a typed, validated, frozen object.
 * Nothing else in a service reads the environment.
 */
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses `env` with `shape`; a bad or missing value throws a ConfigError naming the variable. */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const schema = z.object(shape);
  const present: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "(config)");
      const value = present[name];
      return `${name}: ${issue.message}${value === undefined ? " (not set)" : `, got "${value}"`}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
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
  databaseUrl: (database: string) =>
    z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, "expected a postgres:// URL").default(
      `postgres://postgres@127.0.0.1:5432/${database}`,
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
    NATS_URL: env.natsUrl(),
    DATABASE_URL: env.databaseUrl(service.replaceAll("-", "_")),
    LOG_LEVEL: env.logLevel(),
    SHUTDOWN_TIMEOUT_MS: env.millis(15_000),
    ...telemetryShape(),
  };
}
