/**
 * The mailer against the provider simulator, with real NATS and Postgres: outages, the end of
 * a mailing, edits before the start.
 */
import assert from "node:assert/strict";
import { eventually, integration, type TestEnv, testEnv, testIdentity } from "@flotilla/testkit";
import { type SimControls, startProviderSim } from "../tools/provider-sim/main.ts";
import {
  type Mailing,
  postJson,
  seedClients,
  startTestMailer,
  statusCounts,
} from "@flotilla/mailer/testing";

const mailerApi = testIdentity.fetch("mailer");

/** The issue asks for 20 s; a few seconds prove the same and keep the suite short. */
const OUTAGE_SECONDS = Number(Deno.env.get("MAILER_TEST_OUTAGE_SECONDS") ?? 4);

const iso = (ms: number) => new Date(ms).toISOString();

/** A provider simulator with these controls and the mailer sending to it; both stop with env. */
async function mailerAndSim(
  env: TestEnv,
  controls: Partial<SimControls> = {},
  mailerEnv: Record<string, string> = {},
) {
  const sim = startProviderSim({ port: 0, controls });
  env.defer(() => sim.stop());
  const mailer = await startTestMailer(env, { providerUrl: sim.url, env: mailerEnv });
  return { sim, mailer };
}

/** A mailing that started a second ago and runs for two minutes. */
const startedMailing = (url: string, text: string, filter: Record<string, string[]>) =>
  postJson<Mailing>(`${url}/api/v1/mailings`, {
    start_at: iso(Date.now() - 1_000),
    end_at: iso(Date.now() + 120_000),
    text,
    filter,
  });

integration(
  "provider down mid-mailing: the breaker pauses sending and every message is delivered exactly once after recovery",
  async () => {
    await using env = await testEnv();
    const { sim, mailer } = await mailerAndSim(env, { latency_ms: 10 });
    const sql = env.sql();
    const clients = 400;
    await seedClients(sql, clients, (i) => ({ tag: i % 2 ? "odd" : "even" }));
    await seedClients(sql, 50, () => ({ tag: "other" }), 79_100_000_000);

    const mailing = await startedMailing(mailer.url, "Hello from the outage test", {
      tags: ["odd", "even"],
    });
    await eventually("some messages delivered", () => sim.stats().delivered >= 60);
    sim.down(OUTAGE_SECONDS);
    const downAt = Date.now();
    await eventually(
      "all messages sent",
      async () => (await statusCounts(sql, mailing.id)).sent === clients,
      OUTAGE_SECONDS * 1000 + 30_000,
    ).catch(async (err) => {
      console.error(await statusCounts(sql, mailing.id), sim.stats());
      throw err;
    });

    const delivered = sim.delivered();
    assert.equal(delivered.size, clients, "every message reached the provider");
    assert.deepEqual([...delivered.values()].filter((n) => n !== 1), [], "none twice");
    const refused = sim.records().filter((r) => r.outcome === "down");
    assert.ok(refused.length > 0, "the outage was hit");
    // Without the breaker 16 workers would retry all through the outage; with it only the
    // calls that open it and one trial per half-open period get through.
    const perSecond = refused.length / OUTAGE_SECONDS;
    assert.ok(perSecond < 12, `${refused.length} calls during a ${OUTAGE_SECONDS} s outage`);
    const afterOutage = sim.records().filter((r) =>
      r.outcome === "ok" && r.received_at >= downAt + OUTAGE_SECONDS * 1000
    );
    assert.ok(afterOutage.length > 0, "sending resumed after the outage");
    assert.ok(sim.records().every((r) => r.text === "Hello from the outage test"));

    const metrics = await (await fetch(`${mailer.url}/metrics`)).text();
    assert.match(
      metrics,
      /mailer_provider_breaker_transitions_total\{[^}]*state="open"[^}]*\} [1-9]/,
    );
    assert.match(metrics, /mailer_messages\{[^}]*status="sent"[^}]*\} 400/);
    assert.match(metrics, /mailer_provider_request_seconds_count\{[^}]*outcome="ok"[^}]*\} \d+/);
    // Held, not burned: the runtime kept the messages through the outage, none gave up.
    assert.match(metrics, /consumer_messages_total\{[^}]*outcome="held"[^}]*\} [1-9]/);
    assert.doesNotMatch(metrics, /consumer_messages_total\{[^}]*outcome="dead_letter"/);
    assert.doesNotMatch(metrics, /consumer_messages_total\{[^}]*outcome="retry"/, "no nak spent");
  },
);

integration(
  "nothing is delivered after end_at: what was not sent by then expires",
  async () => {
    await using env = await testEnv();
    const { sim, mailer } = await mailerAndSim(env, { latency_ms: 100 }, {
      SENDER_CONCURRENCY: "2",
    });
    const sql = env.sql();
    await seedClients(sql, 200);
    const endAt = Date.now() + 2_500;
    const mailing = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
      start_at: iso(Date.now() - 1_000),
      end_at: iso(endAt),
      text: "Only until the end",
      filter: { operator_codes: ["900"] },
    });
    const counts = await eventually("the mailing to finish", async () => {
      const c = await statusCounts(sql, mailing.id);
      return (c.sent ?? 0) + (c.expired ?? 0) === 200 ? c : undefined;
    }, 20_000);
    const seenAtEnd = sim.records().length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sim.records().length, seenAtEnd, "no calls after the end");
    // A call in flight at the end that the provider accepted is recorded as sent, not expired.
    Object.assign(counts, await statusCounts(sql, mailing.id));
    assert.ok(counts.sent > 5, `some were sent (${counts.sent})`);
    assert.ok(counts.expired > 50, `the rest expired (${counts.expired})`);
    assert.equal(sim.delivered().size, counts.sent);
    const late = sim.records().filter((r) => r.received_at >= endAt);
    assert.deepEqual(late, [], "no message reached the provider after end_at");
    const res = await mailerApi(`${mailer.url}/api/v1/mailings/${mailing.id}/stats?status=expired`);
    const stats = await res.json();
    assert.equal(stats.mailing.state, "finished");
    assert.equal(stats.stats.expired, counts.expired);
    assert.match(stats.messages[0].last_error, /ended/);
  },
);

integration(
  "a mailing edited before its start sends the new text, at its start",
  async () => {
    await using env = await testEnv();
    const { sim, mailer } = await mailerAndSim(env);
    const sql = env.sql();
    await seedClients(sql, 30, (i) => ({ tag: i < 20 ? "vip" : "plain" }));
    const startAt = Date.now() + 1_500;
    const created = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
      start_at: iso(startAt),
      end_at: iso(Date.now() + 60_000),
      text: "old text",
      filter: { tags: ["vip"] },
    });
    assert.equal(created.state, "scheduled");
    const edited = await postJson<Mailing>(
      `${mailer.url}/api/v1/mailings/${created.id}`,
      { text: "new text" },
      "PATCH",
    );
    assert.equal(edited.text, "new text");
    await eventually("all sent", async () => (await statusCounts(sql, created.id)).sent === 20);
    assert.equal(sim.delivered().size, 20);
    assert.ok(sim.records().every((r) => r.text === "new text"), "only the new text went out");
    assert.ok(sim.records().every((r) => r.received_at >= startAt), "nothing before start_at");
  },
);

integration(
  "two replicas share one mailing: fan-out and sends split between them, each message once",
  async () => {
    await using env = await testEnv();
    const sim = startProviderSim({ port: 0 });
    env.defer(() => sim.stop());
    const a = await startTestMailer(env, { providerUrl: sim.url });
    const b = await startTestMailer(env, { providerUrl: sim.url });
    const sql = env.sql();
    const total = 4_500; // more than two fan-out chunks
    await seedClients(sql, total, () => ({ tag: "both" }));
    const mailing = await startedMailing(a.url, "Shared", { tags: ["both"] });
    b.scheduler.wake();
    await eventually(
      "all sent",
      async () => (await statusCounts(sql, mailing.id)).sent === total,
      60_000,
    );
    assert.equal(sim.delivered().size, total);
    assert.equal(sim.stats().duplicates, 0);
    assert.equal(sim.stats().requests, total, "one call per message");
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from messages where mailing_id = ${mailing.id}`;
    assert.equal(n, total, "one message per client");
    const sentBy = await Promise.all(
      [a, b].map(async (m) => {
        const text = await (await fetch(`${m.url}/metrics`)).text();
        return Number(
          /mailer_send_outcomes_total\{[^}]*outcome="sent"[^}]*\} (\d+)/.exec(text)?.[1],
        );
      }),
    );
    assert.equal(sentBy[0] + sentBy[1], total);
    assert.ok(sentBy.every((n) => n > 0), `both replicas sent (${sentBy.join(" + ")})`);
  },
);

integration(
  "a provider that fails or garbles some answers: retried with backoff until each is delivered once",
  async () => {
    await using env = await testEnv();
    // Random failures must not open the circuit here: this test is about retries.
    const { sim, mailer } = await mailerAndSim(env, { failure_rate: 0.1, malformed_rate: 0.05 }, {
      BREAKER_THRESHOLD: "50",
    });
    const sql = env.sql();
    await seedClients(sql, 80);
    const mailing = await startedMailing(mailer.url, "Despite the noise", {
      operator_codes: ["900"],
    });
    await eventually(
      "all sent",
      async () => (await statusCounts(sql, mailing.id)).sent === 80,
      40_000,
    );
    const stats = sim.stats();
    assert.equal(stats.delivered, 80);
    assert.equal(stats.duplicates, 0);
    assert.ok(stats.by_outcome.failed + stats.by_outcome.malformed > 0, "faults were injected");
    const retried = await sql<{ attempts: number; last_error: string }[]>`
      select attempts, last_error from messages where mailing_id = ${mailing.id} and attempts > 1`;
    assert.ok(retried.length > 0, "some needed more than one attempt");
    assert.ok(
      retried.every((r) => /HTTP 500|malformed JSON/.test(r.last_error)),
      "the last error says what the provider did",
    );
  },
);

integration(
  "editing a running mailing changes what is not yet sent; deleting it stops the rest",
  async () => {
    await using env = await testEnv();
    const { sim, mailer } = await mailerAndSim(env, { latency_ms: 50 }, {
      SENDER_CONCURRENCY: "2",
    });
    const sql = env.sql();
    await seedClients(sql, 150);
    const mailing = await startedMailing(mailer.url, "first", { operator_codes: ["900"] });
    await eventually("some sent", () => sim.stats().delivered >= 10);
    await postJson(`${mailer.url}/api/v1/mailings/${mailing.id}`, { text: "second" }, "PATCH");
    const editedAt = sim.records().length;
    await eventually("more sent", () => sim.stats().delivered >= editedAt + 15);
    const res = await mailerApi(`${mailer.url}/api/v1/mailings/${mailing.id}`, {
      method: "DELETE",
    });
    assert.equal(res.status, 204);
    const deletedAt = sim.records().length;
    await new Promise((r) => setTimeout(r, 700));

    const texts = sim.records().map((r) => r.text);
    // Calls already under way when the change landed (at most one per sender) keep the old text.
    assert.ok(texts.slice(editedAt + 2).every((t) => t === "second"), "new text after the edit");
    assert.equal(texts.slice(0, editedAt).every((t) => t === "first"), true);
    assert.ok(sim.records().length <= deletedAt + 2, "nothing new after the delete");
    const counts = await statusCounts(sql, mailing.id);
    assert.equal(counts.sent, sim.stats().delivered);
    assert.equal((counts.sent ?? 0) + (counts.expired ?? 0), 150);
    const [row] = await sql<{ last_error: string }[]>`
      select last_error from messages where mailing_id = ${mailing.id} and status = 'expired'
      limit 1`;
    assert.equal(row.last_error, "the mailing was deleted");
  },
);
