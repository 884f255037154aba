/**
 * Test support: small stub upstreams (real HTTP servers on 127.0.0.1), a gateway served on a
 * real socket in front of them (its API keys on the test env's NATS), configured through the
 * same variables as in production, the route table, and an upstream's OpenAPI document.
 */
import { Kvm } from "@nats-io/kv";
import {
  API_KEYS_BUCKET,
  createLogger,
  createMetrics,
  type OpenApiDocument,
} from "@flotilla/backbone";
import { freePort } from "@flotilla/infra";
import { createTestKey, type TestEnv, testIdentity } from "@flotilla/testkit";
import { createApp, gatewayDeps } from "./app.ts";
import { loadGatewayConfig, SERVICE } from "./config.ts";

export { ROUTES, UPSTREAM_ENV, UPSTREAM_NAMES } from "./config.ts";

export interface SeenRequest {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
}

export type StubHandler = (req: Request, seen: SeenRequest) => Response | Promise<Response>;

export interface StubUpstream extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** Every request it received, body included. */
  readonly seen: SeenRequest[];
  handler: StubHandler;
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): void;
}

export function stubUpstream(
  handler: StubHandler = () => Response.json({ ok: true }),
): StubUpstream {
  const port = freePort();
  const seen: SeenRequest[] = [];
  let server: Deno.HttpServer | undefined;
  const stub: StubUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    handler,
    start() {
      server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
        const url = new URL(req.url);
        const record: SeenRequest = {
          method: req.method,
          path: url.pathname + url.search,
          headers: req.headers,
          body: new Uint8Array(req.body && req.method !== "GET" ? await req.arrayBuffer() : []),
        };
        seen.push(record);
        return await stub.handler(req, record);
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      await s?.shutdown();
    },
    async [Symbol.asyncDispose]() {
      await stub.stop();
    },
  };
  stub.start();
  return stub;
}

export interface TestGateway extends AsyncDisposable {
  readonly url: string;
  /** Log lines the gateway wrote. */
  readonly logs: string[];
  /** `Authorization` of an API key with every scope. */
  readonly auth: Record<string, string>;
  /** fetch of a path on the gateway with that key, unless `init` brings its own Authorization. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * The gateway app on a real socket, its keys in `testEnv`'s bucket, read and written as the
 * gateway (its NATS identity); `vars` is read like the process environment.
 */
export async function startGateway(
  testEnv: TestEnv,
  vars: Record<string, string>,
): Promise<TestGateway> {
  const config = loadGatewayConfig({
    RATE_LIMIT_RPS: "0",
    UPSTREAM_RETRY_DELAY_MS: "10",
    BREAKER_HALF_OPEN_MS: "300",
    ...testIdentity.env,
    ...vars,
  });
  const { key } = await createTestKey(testEnv, { name: "gateway tests" });
  const logs: string[] = [];
  const deps = await gatewayDeps({
    config,
    logger: createLogger({ service: "gateway", sink: (l) => logs.push(l) }),
    metrics: createMetrics("gateway", { process: false }),
    // Direct gets, as the launcher opens buckets: the gateway may use no other read.
    keysKv: await new Kvm(await testEnv.connectAs(SERVICE)).open(API_KEYS_BUCKET, {
      allow_direct: true,
    }),
  });
  await deps.keys.start();
  const app = createApp(deps);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  return {
    url,
    logs,
    auth: { authorization: `Bearer ${key}` },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
      return fetch(url + path, { ...init, headers });
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await deps.keys.stop();
    },
  };
}

/** What the users service's /openapi.json looks like: a routed path, one that is not, two schemas. */
export const usersOpenApi: OpenApiDocument = {
  openapi: "3.0.3",
  info: { title: "Flotilla users", version: "1.0.0" },
  paths: {
    "/api/v1/users": {
      post: {
        summary: "Create a user",
        responses: {
          "201": {
            description: "Created",
            content: { "application/json": { schema: { $ref: "#/components/schemas/User" } } },
          },
        },
      },
    },
    "/healthz": { get: { summary: "liveness" } },
  },
  components: { schemas: { User: { type: "object" }, Error: { type: "object" } } },
};
