/**
 * The mailer SIGKILLed in the middle of a mailing and started again: no message lost, none
 * delivered twice. Real processes, NATS, Postgres and provider simulator.
 */
import assert from "node:assert/strict";
import { eventually, integration, spawnService, testEnv } from "@flotilla/testkit";
import { startProviderSim } from "../tools/provider-sim/main.ts";
import {
  type Mailing,
  postJson,
  seedClients,
  statusCounts,
  UNKNOWN_OUTCOME,
} from "@flotilla/mailer/testing";

integration("mailer killed mid-mailing and restarted: none lost, none sent twice", async () => {
  await using env = await testEnv();
  // Slow calls: when the kill comes, the senders are almost surely waiting on the provider.
  const sim = startProviderSim({ port: 0, controls: { latency_ms: 250 } });
  env.defer(() => sim.stop());
  const mailer = await spawnService(env, {
    main: "services/mailer/main.ts",
    env: {
      PROVIDER_URL: sim.url,
      PROVIDER_TOKEN: "dev-token",
      SENDER_CONCURRENCY: "4",
      SCHEDULER_INTERVAL_MS: "100",
      PROVIDER_TIMEOUT_MS: "2000",
    },
  });
  const sql = env.sql();
  const total = 60;
  await seedClients(sql, total, () => ({ tag: "crash" }));
  const mailing = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
    start_at: new Date(Date.now() - 1_000).toISOString(),
    end_at: new Date(Date.now() + 120_000).toISOString(),
    text: "Survive the crash",
    filter: { tags: ["crash"] },
  });
  await eventually("a third delivered", () => sim.stats().delivered >= total / 3);
  const status = await mailer.kill("SIGKILL");
  assert.equal(status.signal, "SIGKILL");
  const atKill = sim.stats().delivered;
  assert.ok(atKill < total, "killed mid-mailing");

  await mailer.restart();
  const counts = await eventually("every message settled", async () => {
    const c = await statusCounts(sql, mailing.id);
    return (c.sent ?? 0) + (c.failed ?? 0) === total ? c : undefined;
  }, 60_000);

  const delivered = sim.delivered();
  assert.deepEqual(
    [...delivered.entries()].filter(([, n]) => n > 1),
    [],
    "no message reached the provider twice",
  );
  const ids = await sql<{ id: string; status: string; last_error: string | null }[]>`
    select id, status, last_error from messages where mailing_id = ${mailing.id}`;
  const lost = ids.filter((m) => !delivered.has(Number(m.id)));
  assert.deepEqual(lost, [], "every message reached the provider");
  // Calls cut off by the kill: the provider had them, so they are not resent; they are
  // reported, not hidden.
  for (const m of ids.filter((m) => m.status === "failed")) {
    assert.equal(m.last_error, UNKNOWN_OUTCOME);
  }
  assert.ok((counts.failed ?? 0) <= 4, `at most one unknown per sender (${counts.failed})`);
});
