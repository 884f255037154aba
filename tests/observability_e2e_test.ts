/**
 * The fleet observed: it runs with Deno's OpenTelemetry on, exporting to an in-process OTLP
 * receiver, and the spans of one transfer form one parent/child chain from the gateway's
 * request (an API key; the gateway's signed token and the trace context travel together)
 * through transactions, the bus, accounts, back to transactions and on to the audit log; a message that cannot be handled is a dead-letter event on its span. Then each
 * service's /metrics tells what happened: the saga's outcomes, a replay, the dead letter by
 * its reason class, lag per durable, the pool, and an upstream breaker that opened.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { type ReceivedSpan, startOtlpReceiver } from "@flotilla/infra";
import { subjectOf } from "@flotilla/backbone";
import {
  ACCOUNTS_TRANSFERS_CONSUMER,
  AUDITLOG_CONSUMER,
  fleetCatalog,
  TRANSACTIONS_OUTCOMES_CONSUMER,
  TRANSFER_COMPLETED,
  TRANSFER_SUBMITTED,
} from "@flotilla/contracts";
import {
  bearer,
  createTestKey,
  eventually,
  integration,
  parseMetrics,
  sampleValue,
  spawnService,
  testEnv,
} from "@flotilla/testkit";
import { freePort } from "@flotilla/infra";

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The name of the relay's span that publishes events of `type`. */
const publishing = (type: string) =>
  new RegExp(`^publish ${subjectOf(fleetCatalog, type).replaceAll(".", "\\.")}$`);
/** The name of a consumer's span for a message. */
const processing = (durable: string) => new RegExp(`^process ${durable}$`);

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

integration(
  "one transfer is one trace (gateway → transactions → accounts → transactions → auditlog); /metrics tell what happened",
  async () => {
    await using env = await testEnv();
    await using otlp = startOtlpReceiver();
    const dbUrl = async () => env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
    const start = (name: string, extra: Record<string, string> = {}) =>
      spawnService(env, {
        main: `services/${name}/main.ts`,
        env: { LOG_LEVEL: "warn", METRICS_SAMPLE_MS: "200", ...otlp.env(name), ...extra },
      });
    const [accounts, transactions, auditlog] = await Promise.all([
      start("accounts", { DATABASE_URL: await dbUrl() }),
      start("transactions", { DATABASE_URL: await dbUrl(), LOG_LEVEL: "debug" }),
      start("auditlog", { DATABASE_URL: await dbUrl() }),
    ]);
    const gateway = await start("gateway", {
      UPSTREAM_ACCOUNTS: accounts.url,
      UPSTREAM_TRANSACTIONS: transactions.url,
      UPSTREAM_AUDITLOG: auditlog.url,
      // Nobody listens there: one failed request opens its breaker.
      UPSTREAM_USERS: `http://127.0.0.1:${freePort()}`,
      UPSTREAM_RETRIES: "0",
      BREAKER_THRESHOLD: "1",
    });
    const { key } = await createTestKey(env, { name: "observed" });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/api/v1${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(key), ...headers },
        body: JSON.stringify(body),
      });
    for (const [id, balance] of [[7001, "10.00"], [7002, "0.00"]] as const) {
      const res = await post("/accounts", { account_id: id, initial_balance: balance });
      assert.equal(res.status, 201, await res.text());
    }

    // The client's own span: the gateway's request is its child.
    const traceId = hex(16);
    const clientSpan = hex(8);
    const transfer = { source_account_id: 7001, destination_account_id: 7002, amount: "2.50" };
    const res = await post("/transactions", transfer, {
      traceparent: `00-${traceId}-${clientSpan}-01`,
      "idempotency-key": "observed-1",
    });
    assert.equal(res.status, 201, await res.text());

    const inTrace = () => otlp.spans.filter((s) => s.traceId === traceId);
    const child = (parent: { spanId: string }, service: string, kind: number, name?: RegExp) =>
      eventually(
        `a ${service} span (kind ${kind}${name ? `, ${name}` : ""}) under ${parent.spanId}`,
        () =>
          inTrace().find((s) =>
            s.parentSpanId === parent.spanId && s.service === service && s.kind === kind &&
            (!name || name.test(s.name))
          ),
        30_000,
      ).catch((err) => {
        throw new Error(`${err.message}\nspans of the trace:\n${describe(inTrace())}`);
      });

    const atGateway = await child({ spanId: clientSpan }, "gateway", SERVER);
    const atTransactions = await child(atGateway, "transactions", SERVER);
    const submitted = await child(
      atTransactions,
      "transactions",
      PRODUCER,
      publishing(TRANSFER_SUBMITTED),
    );
    assert.equal(submitted.attributes["messaging.system"], "nats");
    const atLedger = await child(
      submitted,
      "accounts",
      CONSUMER,
      processing(ACCOUNTS_TRANSFERS_CONSUMER),
    );
    const outcome = await child(atLedger, "accounts", PRODUCER, publishing(TRANSFER_COMPLETED));
    const settled = await child(
      outcome,
      "transactions",
      CONSUMER,
      processing(TRANSACTIONS_OUTCOMES_CONSUMER),
    );
    const audited = await child(settled, "transactions", PRODUCER, /^publish audit\./);
    await child(audited, "auditlog", CONSUMER, processing(AUDITLOG_CONSUMER));

    // Log lines written inside a span carry it: the transactions request's access log line.
    const line = await eventually(
      "the request's log line with its trace",
      () =>
        transactions.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
          .find((l) => l.msg === "request" && l.trace_id === traceId),
    );
    assert.equal(line.span_id, atTransactions.spanId);
    assert.equal(line.path, "/api/v1/transactions");
    assert.equal(line.status, 201, "the gateway's token for the key travelled with the trace");

    // A message that does not decode is dead-lettered; its span says so, in the sender's trace.
    const poisonTrace = hex(16);
    const poisonParent = hex(8);
    const h = natsHeaders();
    h.set("traceparent", `00-${poisonTrace}-${poisonParent}-01`);
    await jetstream(await env.connect()).publish(
      subjectOf(fleetCatalog, TRANSFER_SUBMITTED),
      "not json",
      { headers: h },
    );
    const poisoned = await eventually(
      "the poison message's span",
      () =>
        otlp.spans.find((s) =>
          s.traceId === poisonTrace && s.parentSpanId === poisonParent && s.service === "accounts"
        ),
      30_000,
    );
    const deadLetter = poisoned.events.find((e) => e.name === "dead_letter");
    assert.ok(deadLetter, `events: ${JSON.stringify(poisoned.events)}`);
    assert.equal(deadLetter.attributes.class, "decode");
    assert.equal(poisoned.status, 2, "the span is marked failed");

    // The same submission again is a replay; a transfer the source cannot pay fails.
    const replay = await post("/transactions", transfer, { "idempotency-key": "observed-1" });
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    await replay.body?.cancel();
    const poor = await post("/transactions", { ...transfer, amount: "99.00" });
    assert.equal(poor.status, 201);
    await poor.body?.cancel();
    const unreachable = await fetch(`${gateway.url}/api/v1/users/1`, { headers: bearer(key) });
    assert.equal(unreachable.status, 503);
    await unreachable.body?.cancel();

    const metrics = (service: { url: string }) => async () =>
      parseMetrics(await (await fetch(`${service.url}/metrics`)).text());
    const expect = async (
      name: string,
      of: { url: string },
      want: [Record<string, string>, (v: number) => boolean][],
    ) => {
      for (const [labels, check] of want) {
        await eventually(`${name} ${JSON.stringify(labels)} at ${of.url}`, async () => {
          const v = sampleValue(await metrics(of)(), name, labels);
          return v !== undefined && check(v);
        }, 20_000);
      }
    };
    const zero = (v: number) => v === 0;
    const one = (v: number) => v === 1;
    const any = (v: number) => v >= 0;
    await expect("circuit_breaker_state", gateway, [
      [{ breaker: "upstream_users" }, (v) => v === 2],
      [{ breaker: "upstream_accounts" }, zero],
    ]);
    await expect("transfer_outcomes_total", transactions, [
      [{ status: "complete", reason: "none" }, one],
      [{ status: "failed", reason: "insufficient_funds" }, one],
    ]);
    await expect("idempotency_replays_total", transactions, [[{}, one]]);
    await expect("dead_letter_messages", accounts, [
      [{ consumer: ACCOUNTS_TRANSFERS_CONSUMER, reason: "decode" }, one],
      [{ consumer: ACCOUNTS_TRANSFERS_CONSUMER, reason: "exhausted" }, zero],
    ]);
    const durables: [{ url: string }, string][] = [
      [accounts, ACCOUNTS_TRANSFERS_CONSUMER],
      [transactions, TRANSACTIONS_OUTCOMES_CONSUMER],
      [auditlog, AUDITLOG_CONSUMER],
    ];
    for (const [service, consumer] of durables) {
      for (const lag of ["pending", "ack_pending", "redelivered"]) {
        await expect(`consumer_${lag}_messages`, service, [[{ consumer }, any]]);
      }
      await expect("dead_letter_messages", service, [[{ consumer, reason: "permanent" }, zero]]);
      await expect("postgres_pool_open_connections", service, [[{}, (v) => v >= 1]]);
    }
    for (const service of [accounts, transactions]) {
      await expect("outbox_oldest_age_seconds", service, [[{}, any]]);
      await expect("circuit_breaker_state", service, [[{ breaker: "postgres" }, zero]]);
    }
  },
);

function describe(spans: ReceivedSpan[]): string {
  return spans.map((s) => `  ${s.service} ${s.kind} "${s.name}" ${s.parentSpanId}→${s.spanId}`)
    .join("\n");
}
