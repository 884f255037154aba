/**
 * A local OTLP/HTTP receiver for tests and benches: a `Deno.serve` on a free port that takes
 * what Deno's built-in OpenTelemetry exports as http/json (`/v1/traces`; metrics and logs are
 * accepted and dropped) and keeps the spans, decoded, with the service that sent them.
 */

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export interface OtlpReceiver extends AsyncDisposable {
  readonly url: string;
  /** The spans received (none kept with `keepSpans: false`). */
  readonly spans: ReceivedSpan[];
  /** How many spans arrived. */
  readonly received: number;
  /** The environment that makes a Deno process named `service` export its traces here. */
  env(service: string): Record<string, string>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: OtlpAttributes): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

interface TracesRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttributes };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: OtlpAttributes;
        events?: { name: string; attributes?: OtlpAttributes }[];
        links?: { traceId: string; spanId: string }[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

/** The spans of one OTLP/JSON traces request. */
export function decodeTraces(body: TracesRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = String(attributesOf(rs.resource?.attributes)["service.name"] ?? "");
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? "",
          name: s.name,
          kind: s.kind ?? 0,
          attributes: attributesOf(s.attributes),
          events: (s.events ?? []).map((e) => ({
            name: e.name,
            attributes: attributesOf(e.attributes),
          })),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          status: s.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

/** With `keepSpans: false` it only counts them (a bench's millions of spans). */
export function startOtlpReceiver(options: { keepSpans?: boolean } = {}): OtlpReceiver {
  const keep = options.keepSpans ?? true;
  const spans: ReceivedSpan[] = [];
  let received = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "POST") return new Response(null, { status: 405 });
    const json = (req.headers.get("content-type") ?? "").includes("json");
    if (!json || req.headers.has("content-encoding")) {
      await req.body?.cancel();
      return new Response("this receiver takes uncompressed OTLP http/json", { status: 415 });
    }
    const body = await req.json();
    if (path === "/v1/traces") {
      const decoded = decodeTraces(body);
      received += decoded.length;
      if (keep) spans.push(...decoded);
    }
    return Response.json({});
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const close = () => server.shutdown();
  return {
    url,
    spans,
    get received() {
      return received;
    },
    env: (service) => ({
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: service,
      // Export finished spans within a fraction of a second, not Deno's default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: "100",
    }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
