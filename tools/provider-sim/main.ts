/**
 * Provider simulator: the external sending API the mailer calls, with faults on demand.
 *
 * Contract: `POST /send/{id}` with `{"id","phone","text"}` and `Authorization: Bearer <token>`
 * → HTTP 200 `{"code":0,"message":"OK"}`. It records every request. Controls over HTTP:
 * - `POST /control` `{"latency_ms", "jitter_ms", "failure_rate", "malformed_rate"}` (any subset);
 * - `POST /control/down` `{"seconds": N}`: answer 503 for N seconds;
 * - `GET /control`, `GET /stats`, `GET /messages?outcome=ok&limit=…`, `POST /reset`.
 * `deno task provider-sim` runs it on PORT (8090); tests call `startProviderSim({ port })`.
 */

export interface SimControls {
  latency_ms: number;
  jitter_ms: number;
  /** Share of requests answered HTTP 500 (0..1). */
  failure_rate: number;
  /** Share of requests answered HTTP 200 with a body that is not JSON (0..1). */
  malformed_rate: number;
  /** Epoch ms until which every request gets 503. */
  down_until: number;
}

export type Outcome = "ok" | "failed" | "malformed" | "down" | "unauthorized" | "bad_request";

export interface SimRecord {
  id: number;
  phone: number;
  text: string;
  outcome: Outcome;
  received_at: number;
  answered_at: number;
}

export interface SimStats {
  requests: number;
  by_outcome: Record<Outcome, number>;
  /** Distinct message ids answered OK. */
  delivered: number;
  /** Ids answered OK more than once. */
  duplicates: number;
}

export interface ProviderSimOptions {
  port?: number;
  hostname?: string;
  /** Bearer token required; empty = no check. */
  token?: string;
  controls?: Partial<SimControls>;
}

export interface ProviderSim {
  readonly url: string;
  readonly port: number;
  readonly controls: SimControls;
  set(controls: Partial<Omit<SimControls, "down_until">>): void;
  down(seconds: number): void;
  records(): SimRecord[];
  /** Message id → times answered OK. */
  delivered(): Map<number, number>;
  stats(): SimStats;
  reset(): void;
  stop(): Promise<void>;
}

const defaults: SimControls = {
  latency_ms: 0,
  jitter_ms: 0,
  failure_rate: 0,
  malformed_rate: 0,
  down_until: 0,
};

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export function startProviderSim(options: ProviderSimOptions = {}): ProviderSim {
  const token = options.token ?? "dev-token";
  const controls: SimControls = { ...defaults, ...options.controls };
  let records: SimRecord[] = [];
  let delivered = new Map<number, number>();

  const outcomeCounts = () => {
    const by: Record<Outcome, number> = {
      ok: 0,
      failed: 0,
      malformed: 0,
      down: 0,
      unauthorized: 0,
      bad_request: 0,
    };
    for (const r of records) by[r.outcome]++;
    return by;
  };
  const stats = (): SimStats => ({
    requests: records.length,
    by_outcome: outcomeCounts(),
    delivered: delivered.size,
    duplicates: [...delivered.values()].filter((n) => n > 1).length,
  });
  const set = (c: Partial<SimControls>) => {
    for (const key of ["latency_ms", "jitter_ms", "failure_rate", "malformed_rate"] as const) {
      const v = c[key];
      if (typeof v === "number" && Number.isFinite(v) && v >= 0) controls[key] = v;
    }
  };
  const down = (seconds: number) => {
    controls.down_until = Date.now() + Math.max(0, seconds) * 1000;
  };
  const reset = () => {
    records = [];
    delivered = new Map();
    Object.assign(controls, defaults);
  };

  async function send(req: Request, idText: string): Promise<Response> {
    const received_at = Date.now();
    const record = (outcome: Outcome, id: number, phone: number, text: string) =>
      records.push({ id, phone, text, outcome, received_at, answered_at: Date.now() });
    const pathId = Number(idText);
    if (token && req.headers.get("authorization") !== `Bearer ${token}`) {
      record("unauthorized", pathId, 0, "");
      return jsonResponse(401, { code: 401, message: "unauthorized" });
    }
    let body: { id?: unknown; phone?: unknown; text?: unknown };
    try {
      body = await req.json();
    } catch {
      record("bad_request", pathId, 0, "");
      return jsonResponse(400, { code: 400, message: "body is not JSON" });
    }
    const { id, phone, text } = body ?? {};
    if (
      !Number.isSafeInteger(pathId) || id !== pathId || typeof phone !== "number" ||
      !/^7\d{10}$/.test(String(phone)) || typeof text !== "string"
    ) {
      record("bad_request", pathId, Number(phone) || 0, String(text ?? ""));
      return jsonResponse(400, { code: 400, message: "expected {id (= path id), phone, text}" });
    }
    if (received_at < controls.down_until) {
      record("down", id, phone, text);
      return jsonResponse(503, { code: 503, message: "down for maintenance" });
    }
    const wait = controls.latency_ms + Math.random() * controls.jitter_ms;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const roll = Math.random();
    if (roll < controls.failure_rate) {
      record("failed", id, phone, text);
      return jsonResponse(500, { code: 500, message: "internal error" });
    }
    if (roll < controls.failure_rate + controls.malformed_rate) {
      record("malformed", id, phone, text);
      return new Response('{"code": 0, "mess', {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    record("ok", id, phone, text);
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    return jsonResponse(200, { code: 0, message: "OK" });
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const sendMatch = /^\/send\/([^/]+)$/.exec(url.pathname);
    if (sendMatch && req.method === "POST") return await send(req, sendMatch[1]);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /healthz":
        return jsonResponse(200, { status: "ok", service: "provider-sim" });
      case "GET /control":
        return jsonResponse(200, controls);
      case "POST /control":
        set(await req.json().catch(() => ({})));
        return jsonResponse(200, controls);
      case "POST /control/down": {
        const body = await req.json().catch(() => ({}));
        down(Number(body?.seconds ?? 0));
        return jsonResponse(200, controls);
      }
      case "GET /stats":
        return jsonResponse(200, stats());
      case "GET /messages": {
        const outcome = url.searchParams.get("outcome");
        const limit = Number(url.searchParams.get("limit") ?? 1000);
        const list = records.filter((r) => !outcome || r.outcome === outcome);
        return jsonResponse(200, list.slice(-Math.max(1, limit)));
      }
      case "POST /reset":
        reset();
        return jsonResponse(200, controls);
      default:
        return jsonResponse(404, { code: 404, message: `no route for ${route}` });
    }
  }

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8090,
    onListen: () => {},
  }, handle);
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    controls,
    set,
    down,
    records: () => records,
    delivered: () => delivered,
    stats,
    reset,
    stop: () => server.shutdown(),
  };
}

if (import.meta.main) {
  const sim = startProviderSim({
    port: Number(Deno.env.get("PORT") ?? 8090),
    hostname: Deno.env.get("HOST") ?? "0.0.0.0",
    // The token the mailer must send: PROVIDER_TOKEN, or the file PROVIDER_TOKEN_FILE names.
    token: Deno.env.get("PROVIDER_TOKEN") ??
      (Deno.env.get("PROVIDER_TOKEN_FILE")
        ? Deno.readTextFileSync(Deno.env.get("PROVIDER_TOKEN_FILE")!).trim()
        : "dev-token"),
  });
  console.log(JSON.stringify({ msg: "provider simulator listening", url: sim.url }));
}
