import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { freePort } from "@flotilla/infra";
import {
  eventually,
  integration,
  parseMetrics,
  probeAccess,
  sampleValue,
  seriesOf,
  testCatalog,
  testEnv,
  testIdentity,
} from "@flotilla/testkit";
import { baseShape, loadConfig } from "../config.ts";
import { createEvent } from "../envelope.ts";
import { PermanentError, UnavailableError, ValidationError } from "../errors.ts";
import { createHttpApp } from "../http/app.ts";
import { gatewayTokens } from "../http/auth.ts";
import { createRouter } from "../http/router.ts";
import { idempotency, IDEMPOTENCY_BUCKET } from "../idempotency.ts";
import { runService } from "../launcher.ts";
import { type PostgresGuard, postgresGuard } from "../postgres_guard.ts";

type Data = { n: number; fail?: string };

/**
 * A service on the launcher with a consumer whose events say how to fail, a Postgres guard, an
 * idempotent route and a parameterised one; metrics sampled every 100 ms. It runs as itself
 * (probeAccess): the sampler's reads and the dead letters of every class within its permissions.
 */
async function probeService() {
  const env = await testEnv();
  await env.provision(testCatalog);
  const port = freePort();
  const config = loadConfig(baseShape("probe", port), {
    ...await env.serviceEnv(probeAccess.service),
    ...testIdentity.env,
    PORT: String(port),
    LOG_LEVEL: "error",
    METRICS_SAMPLE_MS: "100",
  });
  let release = () => {};
  const gate = new Promise<void>((r) => release = r);
  let guard: PostgresGuard | undefined;
  const running = await runService({
    name: "probe",
    config,
    needs: {
      nats: { catalog: testCatalog, access: probeAccess },
      postgres: { relay: true, migrations: "none", poolSize: 4 },
    },
    async start(rt) {
      const app = createHttpApp({ ...rt, authenticator: gatewayTokens(rt.identity) });
      const things = createRouter();
      things.use(
        "/things/*",
        idempotency({ kv: await rt.kv(IDEMPOTENCY_BUCKET), service: "probe" }),
      );
      things.openapi(
        createRoute({
          method: "post",
          path: "/things/{id}",
          request: { params: z.object({ id: z.string() }) },
          responses: { 201: { description: "created" } },
        }),
        (c) => c.json({ id: c.req.valid("param").id }, 201),
      );
      app.route("/", things);
      guard = postgresGuard({ threshold: 2, halfOpenAfterMs: 60_000, metrics: rt.metrics });
      return {
        app,
        consumers: [{
          stream: "TEST",
          durable: "test-worker",
          transactional: true,
          handler: async (event: { data: Data }, ctx) => {
            const { fail } = event.data;
            if (fail === "once" && ctx.deliveryCount === 1) throw new Error("flaky");
            if (fail === "once") await gate;
            if (fail?.startsWith("permanent")) throw new PermanentError(`never: ${fail}`);
            if (fail === "invalid") throw new ValidationError("not a thing");
            if (fail === "always") throw new Error("flaky forever");
          },
        }],
      };
    },
  }, { handleSignals: false, hostname: "127.0.0.1" });
  const url = `http://127.0.0.1:${port}`;
  const scrape = async () => await (await fetch(`${url}/metrics`)).text();
  return {
    env,
    url,
    /** `fetch` with the probe's token, as the gateway would send it. */
    fetch: testIdentity.fetch("probe"),
    guard: guard!,
    release,
    scrape,
    /** The value of one series, undefined when it is not there. */
    async value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
      return sampleValue(parseMetrics(await scrape()), name, labels);
    },
    async [Symbol.asyncDispose]() {
      release();
      await running.stop();
      await env[Symbol.asyncDispose]();
    },
  };
}

const event = (data: Data) =>
  JSON.stringify(createEvent({ type: "test.happened", source: "test", subject: "s", data }));

integration(
  "/metrics after a retry, a dead letter of every class and an open breaker",
  async () => {
    await using probe = await probeService();
    const { env } = probe;
    const js = jetstream(await env.connect());
    const at = (name: string, labels: Record<string, string>, check: (v: number) => boolean) =>
      eventually(`${name} ${JSON.stringify(labels)} in /metrics`, async () => {
        const v = await probe.value(name, labels);
        return v !== undefined && check(v) ? v : undefined;
      }, 20_000).catch(async (err) => {
        const ours = (await probe.scrape()).split("\n")
          .filter((l) =>
            /^(consumer_(messages|pending|ack|redel)|dead|outbox|postgres|circuit|idem)/.test(l)
          );
        throw new Error(`${err.message}\n${ours.join("\n")}`);
      });
    const worker = { consumer: "test-worker" };

    // A retry: the redelivered message is held in the handler, unacknowledged, while we look.
    await js.publish("test.happened", event({ n: 1, fail: "once" }));
    await at("consumer_messages_total", { ...worker, outcome: "retry" }, (v) => v === 1);
    await at("consumer_redelivered_messages", worker, (v) => v === 1);
    await at("consumer_ack_pending_messages", worker, (v) => v === 1);
    await at("consumer_pending_messages", worker, (v) => v === 0);
    probe.release();
    await at("consumer_ack_pending_messages", worker, (v) => v === 0);

    // A dead letter of each class.
    await js.publish("test.happened", "not json", { headers: natsHeaders() });
    for (const fail of ["permanent", "invalid", "always"]) {
      await js.publish("test.happened", event({ n: 2, fail }));
    }
    for (const reason of ["decode", "permanent", "validation", "exhausted"]) {
      await at("dead_letter_messages", { ...worker, reason }, (v) => v === 1);
    }

    // Two failures with Postgres unavailable open the guard's circuit.
    const breaker = { breaker: "postgres" };
    await at("circuit_breaker_state", breaker, (v) => v === 0);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(probe.guard(() => Promise.reject(new UnavailableError("db down"))));
    }
    await at("circuit_breaker_state", breaker, (v) => v === 2);

    // An outbox row the relay cannot publish (no stream takes its subject) waits and ages.
    const sql = env.sql();
    await sql`insert into outbox (event_id, subject, aggregate, payload)
            values (gen_random_uuid(), 'probe.unstored', 'x', '{}')`;
    await at("outbox_pending", {}, (v) => v === 1);
    await at("outbox_oldest_age_seconds", {}, (v) => v > 0.1);
    await at("outbox_relay_errors_total", {}, (v) => v >= 1);

    // The pool as Postgres sees it.
    await at("postgres_pool_max_connections", {}, (v) => v === 4);
    await at("postgres_pool_open_connections", {}, (v) => v >= 1);
    await at("postgres_pool_in_use_connections", {}, (v) => v >= 0);
    await at("postgres_pool_probe_seconds", {}, (v) => v > 0);

    // A repeated Idempotency-Key is a replay, labelled with the pattern that answered it (the
    // idempotency middleware's).
    const post = (key: string) =>
      probe.fetch(`${probe.url}/things/a`, { method: "POST", headers: { "idempotency-key": key } });
    for (let i = 0; i < 2; i++) await (await post("k-1")).body?.cancel();
    await at("idempotency_replays_total", { route: "/things/*" }, (v) => v === 1);
  },
);

integration("10,000 distinct ids in paths, keys and events add no series", async () => {
  await using probe = await probeService();
  const js = jetstream(await probe.env.connect());
  probe.release();
  const ids = Array.from({ length: 10_000 }, (_, i) => `id-${i}-${crypto.randomUUID()}`);
  const requests = async (some: string[]) => {
    for (let i = 0; i < some.length; i += 100) {
      await Promise.all(
        some.slice(i, i + 100).flatMap((id) => [
          probe.fetch(`${probe.url}/things/${id}`, {
            method: "POST",
            headers: { "idempotency-key": id },
          }).then((r) => r.body?.cancel()),
          probe.fetch(`${probe.url}/nowhere/${id}`).then((r) => r.body?.cancel()),
        ]),
      );
    }
  };
  /** Events about distinct aggregates, dead-lettered with distinct reasons. */
  const poison = async (some: string[], total: number) => {
    await Promise.all(some.map((id, n) =>
      js.publish(
        "test.happened",
        JSON.stringify(createEvent({
          type: "test.happened",
          source: "test",
          subject: id,
          data: { n, fail: `permanent ${id}` },
        })),
      )
    ));
    await eventually(
      "every dead letter counted",
      async () =>
        sampleValue(parseMetrics(await probe.scrape()), "dead_letter_messages", {
          consumer: "test-worker",
          reason: "permanent",
        }) === total,
    );
  };
  const series = async () => seriesOf(parseMetrics(await probe.scrape()));
  const added = (before: Set<string>, after: Set<string>) => {
    const fresh = [...after].filter((s) => !before.has(s));
    return `${fresh.length} new series: ${fresh.slice(0, 3).join(" ")}`;
  };

  await requests(ids.slice(0, 1));
  await poison(ids.slice(0, 1), 1);
  const before = await series();
  await requests(ids.slice(1));
  const afterRequests = await series();
  assert.equal(added(before, afterRequests), "0 new series: ", "paths and keys");
  await poison(ids.slice(1, 51), 51);
  assert.equal(added(before, await series()), "0 new series: ", "events and reasons");
});
