/**
 * Structured JSON logs, one object a line, carrying service and whatever context a child adds;
 * a line written inside a span carries its `trace_id` and `span_id`.
 */
import { activeTraceIds } from "./telemetry/trace.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` (correlation_id, event_id, …) to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass an array's push. */
  sink?: (line: string) => void;
}

const encoder = new TextEncoder();
const stdoutSink = (line: string) => {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
};

export function createLogger(options: LoggerOptions): Logger {
  const min = order[options.level ?? "info"];
  const sink = options.sink ?? stdoutSink;
  const make = (context: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (order[level] < min) return;
      const line: LogFields = {
        time: new Date().toISOString(),
        level,
        service: options.service,
        msg,
        ...activeTraceIds(),
        ...context,
      };
      if (fields) {
        for (const [k, v] of Object.entries(fields)) {
          line[k] = v instanceof Error ? { name: v.name, message: v.message } : v;
        }
      }
      sink(JSON.stringify(line));
    };
    return {
      debug: (m, f) => write("debug", m, f),
      info: (m, f) => write("info", m, f),
      warn: (m, f) => write("warn", m, f),
      error: (m, f) => write("error", m, f),
      child: (fields) => make({ ...context, ...fields }),
    };
  };
  return make({});
}

/** A logger that drops everything, for unit tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ service: "silent", sink: () => {} });
