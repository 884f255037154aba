/**
 * `deno task bench gateway [--seconds N] [--connections N]`: gateway overhead, in one run, in
 * two set-ups, each loaded with wrk (installed first when missing), alternating direct →
 * through the gateway twice:
 *  1. service: the real listing-view service (its own process, as itself, on a throw-away
 *     nats-server and PostgreSQL, 20 listings fed through its streams) behind the real gateway;
 *     this is the issue's "through the gateway vs direct to the service" (target ratio ≥ 0.6);
 *  2. stub: a stub upstream on the services' HTTP stack (`createHttpApp`) that answers the same
 *     page from memory: the worst case, where the gateway's own work is all there is to compare.
 * It prints requests/s, latency and the ratio gateway / direct for each, and the gateway
 * process's CPU time per proxied request. All on 127.0.0.1, with the permissions on (the gateway
 * and the service each as its own NATS identity). Authenticated as in production:
 * through the gateway with an API key (the gateway checks it and signs a token per request for
 * the upstream, which verifies it); direct with one token signed for the upstream.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport";
import {
  API_KEYS_BUCKET,
  apiKeysCatalog,
  createApiKey,
  createEvent,
  createHttpApp,
  createMetrics,
  gatewayTokens,
  IdentityVerifier,
  silentLogger,
  subjectOf,
} from "@flotilla/backbone";
import { fleetCatalog, gatewayAccess, listingViewAccess } from "@flotilla/contracts";
import { freePort, type NatsServer } from "@flotilla/infra";
import { testIdentity } from "@flotilla/testkit";
import {
  Bench,
  type BenchService,
  cpuSeconds,
  mean,
  requireWrk,
  waitForOk,
  wrk,
  type WrkResult,
} from "./kit/mod.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};

const UPSTREAM_FLAG = "--serve-upstream";

/** The stub upstream, run in its own process by the bench itself. */
async function serveUpstream(port: number): Promise<void> {
  const key = Deno.env.get("IDENTITY_PUBLIC_KEY")!;
  const app = createHttpApp({
    authenticator: gatewayTokens(await IdentityVerifier.fromKey(key, "listing-view")),
    service: "listing-view",
    logger: silentLogger,
    metrics: createMetrics("listing-view", { process: false }),
  });
  const user = { id: 1, name: "Ada", created_at: 1_700_000_000_000, updated_at: 1_700_000_000_000 };
  const listings = Array.from({ length: 20 }, (_, i) => ({
    id: 1000 - i,
    listing_type: i % 2 ? "rent" : "sale",
    price: 100_000 + i,
    created_at: 1_700_000_000_000 + i,
    updated_at: 1_700_000_000_000 + i,
    photos: [],
    user,
  }));
  app.get("/api/v1/listing-view", (c) => c.json({ result: true, listings }));
  Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, app.fetch);
}

const seconds = arg("seconds", 5);
const connections = arg("connections", 32);
const PAGE = "/api/v1/listing-view?page_num=1&page_size=20";

const load = (url: string, s: number, headers: Record<string, string>) =>
  wrk(url, { seconds: s, connections, threads: 1, headers });

/** An API key, made the way `deno task keys create` makes one (as the admin), in the bench's NATS. */
async function apiKey(nc: NatsConnection): Promise<string> {
  const kv = await new Kvm(nc).open(API_KEYS_BUCKET);
  return (await createApiKey(kv, { name: "bench", scopes: ["listings:read"] })).key;
}

/** The gateway as itself (its NATS identity, its keys' bucket provisioned). */
async function startGateway(
  bench: Bench,
  upstreamUrl: string,
  nats: NatsServer,
): Promise<BenchService> {
  return await bench.service("services/gateway/main.ts", {
    logLevel: "error",
    env: {
      ...await bench.serviceEnv(gatewayAccess, nats),
      UPSTREAM_LISTING_VIEW: upstreamUrl,
      // The limiter stays on (its cost is part of the overhead) but never refuses here.
      RATE_LIMIT_RPS: "1000000000",
      RATE_LIMIT_BURST: "1000000000",
    },
    readyPath: PAGE,
  });
}

/**
 * Loads `direct` and `through` alternately; prints and returns the mean ratio. It also prints
 * the gateway process's CPU time per proxied request, a figure that other load on the machine
 * changes far less than requests/s.
 */
async function compare(
  label: string,
  direct: string,
  through: string,
  gatewayPid: number,
  admin: NatsConnection,
): Promise<number> {
  const key = { authorization: `Bearer ${await apiKey(admin)}` };
  const token = await testIdentity.headers("listing-view");
  await load(direct, 1, token); // warm-up, not counted
  await load(through, 1, key);
  const runs: { direct: WrkResult; gateway: WrkResult }[] = [];
  const fmt = (l: WrkResult) =>
    `${l.rps.toFixed(0)} req/s, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${
      l.p99Ms.toFixed(2)
    } ms, errors ${l.non2xx + l.socketErrors}`;
  let gatewayCpu = 0;
  for (let round = 1; round <= 2; round++) {
    const d = await load(direct, seconds, token);
    const before = await cpuSeconds(gatewayPid);
    const g = await load(through, seconds, key);
    const after = await cpuSeconds(gatewayPid);
    gatewayCpu += before === undefined || after === undefined ? NaN : after - before;
    runs.push({ direct: d, gateway: g });
    console.log(`[${label}] round ${round}: direct   ${fmt(d)}`);
    console.log(`[${label}] round ${round}: gateway  ${fmt(g)}`);
  }
  const directRps = mean(runs.map((r) => r.direct.rps));
  const gatewayRps = mean(runs.map((r) => r.gateway.rps));
  const ratio = gatewayRps / directRps;
  console.log(
    `[${label}] direct ${directRps.toFixed(0)} req/s, through the gateway ${
      gatewayRps.toFixed(0)
    } req/s, ratio ${ratio.toFixed(2)}`,
  );
  const proxied = runs.reduce((n, r) => n + r.gateway.requests, 0);
  if (Number.isFinite(gatewayCpu) && proxied > 0) {
    console.log(
      `[${label}] gateway process CPU: ${(gatewayCpu * 1e6 / proxied).toFixed(0)} µs per ` +
        `proxied request (${(gatewayCpu / (2 * seconds) * 100).toFixed(0)}% of one core)`,
    );
  }
  return ratio;
}

/** Feeds one user and 20 listings through the streams, the way the write sides would. */
async function feedListings(nc: NatsConnection): Promise<void> {
  const js = jetstream(nc);
  const micros = Date.now() * 1000;
  const publish = async (type: string, subject: number, data: unknown) => {
    const event = createEvent({ type, source: "bench", subject, data });
    await js.publish(subjectOf(fleetCatalog, type), JSON.stringify(event), { msgID: event.id });
  };
  await publish("user.created", 1, {
    id: 1,
    name: "Ada",
    created_at: micros,
    updated_at: micros,
    version: 1,
  });
  for (let id = 1; id <= 20; id++) {
    await publish("listing.created", id, {
      id,
      user_id: 1,
      listing_type: id % 2 ? "rent" : "sale",
      price: 100_000 + id,
      photos: [],
      created_at: micros + id,
      updated_at: micros + id,
      version: 1,
    });
  }
}

/** The real listing-view on its own infrastructure, with a page of listings to serve. */
function serviceScenario(): Promise<number | undefined> {
  return Bench.run("gateway", async (bench) => {
    const nats = await bench.nats();
    const pg = await bench.postgres({ fast: true });
    try {
      await bench.provision(nats, fleetCatalog);
      const { url: service } = await bench.service("services/listing-view/main.ts", {
        logLevel: "error",
        env: await bench.serviceEnv(listingViewAccess, nats, pg),
        readyPath: "/healthz",
      });
      const admin = await bench.connect(nats);
      await feedListings(admin);
      const deadline = Date.now() + 30_000;
      let count = 0;
      while (Date.now() < deadline && count < 20) {
        const body = await testIdentity.fetch("listing-view")(service + PAGE).then((r) => r.json())
          .catch(() => ({}));
        count = Array.isArray(body.listings) ? body.listings.length : 0;
        if (count < 20) await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`[service] listing-view serves ${count} listings per page`);
      const gateway = await startGateway(bench, service, nats);
      return await compare(
        "service",
        service + PAGE,
        gateway.url + PAGE,
        gateway.child.pid,
        admin,
      );
    } catch (err) {
      console.log(`[service] skipped: ${err instanceof Error ? err.message : err}`);
      return undefined;
    }
  });
}

function stubScenario(): Promise<number> {
  return Bench.run("gateway-stub", async (bench) => {
    const nats = await bench.nats();
    await bench.provision(nats, apiKeysCatalog);
    const port = freePort();
    bench.deno([new URL(import.meta.url).pathname, UPSTREAM_FLAG, String(port)], testIdentity.env);
    const stub = `http://127.0.0.1:${port}`;
    await waitForOk(stub + "/healthz");
    const gateway = await startGateway(bench, stub, nats);
    const admin = await bench.connect(nats);
    return await compare("stub", stub + PAGE, gateway.url + PAGE, gateway.child.pid, admin);
  });
}

async function bench(): Promise<void> {
  await requireWrk();
  console.log(
    `gateway bench: wrk -t1, ${connections} connections, ${seconds} s per run; ` +
      `${navigator.hardwareConcurrency} CPUs shared by the load generator, the gateway and the ` +
      `upstream`,
  );
  const service = await serviceScenario();
  const stub = await stubScenario();
  const verdict = (r: number) => `${r.toFixed(2)} (target ≥ 0.6: ${r >= 0.6 ? "met" : "NOT met"})`;
  console.log(
    `ratio gateway/direct, real listing-view: ${service === undefined ? "n/a" : verdict(service)}`,
  );
  console.log(`ratio gateway/direct, in-memory stub:    ${verdict(stub)}`);
}

if (Deno.args[0] === UPSTREAM_FLAG) await serveUpstream(Number(Deno.args[1]));
else await bench();
