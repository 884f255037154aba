/**
 * Sending windows in the client's local time, with clients in three time zones and a clock the
 * test moves (so nobody waits for a real morning). Real NATS, Postgres and provider simulator.
 */
import assert from "node:assert/strict";
import { eventually, integration, testEnv, testIdentity } from "@flotilla/testkit";
import { startProviderSim } from "../tools/provider-sim/main.ts";
import {
  FakeClock,
  type Mailing,
  postJson,
  seedClients,
  startTestMailer,
  statusCounts,
} from "@flotilla/mailer/testing";

const mailerApi = testIdentity.fetch("mailer");

const ZONES = ["Europe/Moscow", "Asia/Vladivostok", "America/New_York"] as const;
const PER_ZONE = 5;
// Phones by zone: Moscow 79000000000.., Vladivostok 79000000005.., New York 79000000010..
const zoneOfPhone = (phone: number) => ZONES[Math.floor((phone - 79_000_000_000) / PER_ZONE)];

integration(
  "a message waits for the client's local window: three time zones, one mailing, a moving clock",
  async () => {
    await using env = await testEnv();
    const sim = startProviderSim({ port: 0 });
    env.defer(() => sim.stop());
    // 07:00Z: 10:00 in Moscow (open), 17:00 in Vladivostok (closed), 02:00 in New York (closed).
    const clock = new FakeClock("2026-01-15T07:00:00Z");
    const mailer = await startTestMailer(env, { providerUrl: sim.url, clock });
    const sql = env.sql();
    await seedClients(sql, PER_ZONE * 3, (i) => ({
      tag: "all",
      timezone: ZONES[Math.floor(i / PER_ZONE)],
    }));
    const mailing = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
      start_at: "2026-01-15T06:00:00Z",
      end_at: "2026-01-17T00:00:00Z",
      text: "Good morning",
      filter: { tags: ["all"] },
      send_window: { start: "09:00", end: "12:00" },
    });
    const zonesSent = () => sim.records().map((r) => zoneOfPhone(r.phone));

    await eventually("Moscow sent, the rest deferred", async () => {
      const c = await statusCounts(sql, mailing.id);
      return c.sent === PER_ZONE && c.deferred === 2 * PER_ZONE;
    });
    assert.deepEqual(new Set(zonesSent()), new Set(["Europe/Moscow"]));
    const due = await sql<{ timezone: string; due_at: Date }[]>`
      select distinct c.timezone, m.due_at from messages m join clients c on c.id = m.client_id
      where m.status = 'deferred' order by c.timezone`;
    assert.deepEqual(due.map((d) => [d.timezone, d.due_at.toISOString()]), [
      ["America/New_York", "2026-01-15T14:00:00.000Z"], // 09:00 EST
      ["Asia/Vladivostok", "2026-01-15T23:00:00.000Z"], // 09:00 next day, UTC+10
    ]);

    clock.set("2026-01-15T13:59:00Z");
    await new Promise((r) => setTimeout(r, 600)); // several scheduler passes
    assert.equal(sim.records().length, PER_ZONE, "nobody else before their window opens");

    clock.set("2026-01-15T14:00:00Z");
    await eventually(
      "New York sent",
      async () => (await statusCounts(sql, mailing.id)).sent === 10,
    );
    assert.equal(zonesSent().filter((z) => z === "America/New_York").length, PER_ZONE);
    assert.equal(zonesSent().filter((z) => z === "Asia/Vladivostok").length, 0);

    clock.set("2026-01-15T23:00:30Z");
    await eventually(
      "Vladivostok sent",
      async () => (await statusCounts(sql, mailing.id)).sent === 15,
    );
    assert.equal(sim.delivered().size, 15);
    assert.ok([...sim.delivered().values()].every((n) => n === 1), "each exactly once");
    const sentAt = await sql<{ timezone: string; sent_at: Date }[]>`
      select c.timezone, m.sent_at from messages m join clients c on c.id = m.client_id`;
    for (const { timezone, sent_at } of sentAt) {
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: timezone,
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(sent_at);
      assert.ok(local >= "09:00" && local < "12:00", `${timezone} sent at ${local} local`);
    }
  },
);

integration(
  "a window that does not open again before the end expires the message instead of sending late",
  async () => {
    await using env = await testEnv();
    const sim = startProviderSim({ port: 0 });
    env.defer(() => sim.stop());
    const clock = new FakeClock("2026-01-15T07:00:00Z"); // 02:00 in New York
    const mailer = await startTestMailer(env, { providerUrl: sim.url, clock });
    const sql = env.sql();
    await seedClients(sql, 3, () => ({ tag: "ny", timezone: "America/New_York" }));
    const mailing = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
      start_at: "2026-01-15T06:00:00Z",
      end_at: "2026-01-15T13:00:00Z", // 08:00 in New York: the 09:00 window never comes
      text: "Too early",
      filter: { tags: ["ny"] },
      send_window: { start: "09:00", end: "21:00" },
    });
    await eventually("expired", async () => (await statusCounts(sql, mailing.id)).expired === 3);
    assert.equal(sim.records().length, 0);
  },
);

integration(
  "a started mailing's new filter expires who no longer matches and reaches who now does",
  async () => {
    await using env = await testEnv();
    const sim = startProviderSim({ port: 0 });
    env.defer(() => sim.stop());
    const clock = new FakeClock("2026-01-15T07:00:00Z"); // 02:00 in New York: all deferred
    const mailer = await startTestMailer(env, { providerUrl: sim.url, clock });
    const sql = env.sql();
    const ids = await seedClients(sql, 6, (i) => ({
      tag: i < 3 ? "a" : "b",
      timezone: "America/New_York",
    }));
    const mailing = await postJson<Mailing>(`${mailer.url}/api/v1/mailings`, {
      start_at: "2026-01-15T06:00:00Z",
      end_at: "2026-01-17T00:00:00Z",
      text: "Refiltered",
      filter: { tags: ["a"] },
      send_window: { start: "09:00", end: "21:00" },
    });
    await eventually(
      "a deferred",
      async () => (await statusCounts(sql, mailing.id)).deferred === 3,
    );
    await postJson(
      `${mailer.url}/api/v1/mailings/${mailing.id}`,
      { filter: { tags: ["b"] } },
      "PATCH",
    );
    await eventually("a expired, b deferred", async () => {
      const c = await statusCounts(sql, mailing.id);
      return c.expired === 3 && c.deferred === 3;
    });
    const gone = ids[5];
    assert.equal(
      (await mailerApi(`${mailer.url}/api/v1/clients/${gone}`, { method: "DELETE" })).status,
      204,
    );
    const errors = await sql<{ client_id: string; last_error: string }[]>`
      select client_id, last_error from messages where status = 'expired' order by client_id`;
    assert.deepEqual(errors.map((e) => [Number(e.client_id), e.last_error]), [
      ...ids.slice(0, 3).map((id) => [id, "the client no longer matches the mailing filter"]),
      [gone, "the client was deleted"],
    ]);

    clock.set("2026-01-15T14:00:00Z");
    await eventually("b sent", async () => (await statusCounts(sql, mailing.id)).sent === 2);
    assert.deepEqual(
      sim.records().map((r) => r.phone).sort(),
      [79_000_000_003, 79_000_000_004],
    );

    clock.set("2026-01-17T00:00:00Z");
    await eventually("finished", async () => {
      const [row] = await sql<{ state: string }[]>`
        select state from mailings where id = ${mailing.id}`;
      return row.state === "finished";
    });
    const late = await mailerApi(`${mailer.url}/api/v1/mailings/${mailing.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "too late" }),
    });
    assert.equal(late.status, 409);
    await late.body?.cancel();
  },
);
