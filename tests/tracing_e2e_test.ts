/**
 * One transfer, one trace: the fleet runs with Deno's OpenTelemetry on, exporting to an
 * in-process OTLP receiver, and the spans of one transfer form one parent/child chain from the
 * gateway's request through transactions, the bus, accounts, back to transactions and on to
 * the audit log. A message that cannot be handled is a dead-letter event on its span.
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
import { eventually, integration, spawnService, testEnv } from "@flotilla/testkit";

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
  "one transfer is one trace: gateway → transactions → accounts → transactions → auditlog",
  async () => {
    await using env = await testEnv();
    await using otlp = startOtlpReceiver();
    const dbUrl = async () => env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`);
    const start = (name: string, extra: Record<string, string> = {}) =>
      spawnService(env, {
        main: `services/${name}/main.ts`,
        env: { LOG_LEVEL: "warn", ...otlp.env(name), ...extra },
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
    });
    const post = (path: string, body: unknown, traceparent?: string) =>
      fetch(`${gateway.url}/api/v1${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-user-id": "alice",
          ...(traceparent ? { traceparent } : {}),
        },
        body: JSON.stringify(body),
      });
    for (const [id, balance] of [[7001, "10.00"], [7002, "0.00"]] as const) {
      const res = await post("/accounts", { account_id: id, initial_balance: balance });
      assert.equal(res.status, 201, await res.text());
    }

    // The client's own span: the gateway's request is its child.
    const traceId = hex(16);
    const clientSpan = hex(8);
    const res = await post(
      "/transactions",
      { source_account_id: 7001, destination_account_id: 7002, amount: "2.50" },
      `00-${traceId}-${clientSpan}-01`,
    );
    assert.equal(res.status, 201, await res.clone().text());
    const transfer = await res.json();

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
    assert.ok(transfer.id);

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
  },
);

function describe(spans: ReceivedSpan[]): string {
  return spans.map((s) => `  ${s.service} ${s.kind} "${s.name}" ${s.parentSpanId}→${s.spanId}`)
    .join("\n");
}
