import assert from "node:assert/strict";
import { eventually, integration, testEnv } from "@flotilla/testkit";
import { publishEvents, sampleEvent, startInProcess } from "./testing.ts";

interface Item {
  id: string;
  seq: number;
  occurred_at: string;
  actor: { id: string };
  target: { type: string; id: string };
  action: string;
  service: string;
  correlation_id: string;
}
interface Page {
  data: Item[];
  next_cursor: string | null;
}

integration(
  "queries filter, page newest first without gaps or repeats, and reject bad input",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    // Published out of time order: the order of queries is occurred_at, not arrival.
    const events = Array.from({ length: 400 }, (_, i) => sampleEvent((i * 37) % 400));
    await publishEvents(audit.nc, events);
    await eventually("400 rows", async () => (await audit.count()) === 400);
    const get = async (query: string) => {
      const res = await audit.app.request(`/api/v1/audit-logs?${query}`);
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as Page;
    };
    const all = async (query: string) => {
      const items: Item[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await get(`${query}&limit=30${cursor ? `&cursor=${cursor}` : ""}`);
        assert.ok(page.data.length <= 30);
        items.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      return items;
    };

    const everything = await all("");
    assert.equal(everything.length, 400);
    assert.equal(new Set(everything.map((i) => i.id)).size, 400, "no repeats across pages");
    const times = everything.map((i) => i.occurred_at);
    assert.deepEqual(times, [...times].sort().reverse(), "newest first");

    const byActor = await all("actor_id=u-3");
    const expected = events.filter((e) => e.data.actor.id === "u-3").length;
    assert.equal(byActor.length, expected);
    assert.ok(byActor.every((i) => i.actor.id === "u-3"));

    const byTarget = await all("target_type=account&target_id=5&action=account.updated");
    assert.equal(
      byTarget.length,
      events.filter((e) => e.data.target.id === "5" && e.data.action === "account.updated").length,
    );
    assert.ok(byTarget.every((i) => i.target.id === "5" && i.action === "account.updated"));

    const byService = await all("service=accounts&correlation_id=corr-1");
    assert.equal(
      byService.length,
      events.filter((e) => e.source === "accounts" && e.correlation_id === "corr-1").length,
    );

    // Event n happened at 2026-01-01 + n seconds: [100 s, 200 s) holds events 100..199.
    const window = await all("from=2026-01-01T00:01:40Z&to=2026-01-01T00:03:20Z");
    assert.equal(window.length, 100);
    assert.equal(window[0].occurred_at, "2026-01-01T00:03:19.000Z");

    const none = await get("actor_id=nobody");
    assert.deepEqual(none, { data: [], next_cursor: null });

    for (
      const [query, field] of [
        ["limit=0", "limit"],
        ["limit=501", "limit"],
        ["from=yesterday", "from"],
        ["cursor=garbage!", "cursor"],
        ["from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
      ]
    ) {
      const res = await audit.app.request(`/api/v1/audit-logs?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const doc = await res.json();
      assert.ok(
        doc.errors.some((e: { path: string }) => e.path === field),
        `${query} names ${field}: ${JSON.stringify(doc)}`,
      );
    }

    const missing = await audit.app.request(
      "/api/v1/audit-logs/0190f0c2-0000-7000-8000-000000000000",
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-type"), "application/problem+json");
  },
);

integration(
  "no API updates or deletes an audit row, and the table refuses them in SQL",
  async () => {
    await using env = await testEnv();
    const audit = await startInProcess(env);
    const [event] = [sampleEvent(1)];
    await publishEvents(audit.nc, [event]);
    await eventually("the row", async () => (await audit.count()) === 1);
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const res = await audit.app.request(`/api/v1/audit-logs/${event.id}`, { method });
      assert.equal(res.status, 404, method);
    }
    await assert.rejects(
      audit.sql`update audit_logs set actor_id = 'x' where event_id = ${event.id}`,
      /append-only: UPDATE refused/,
    );
    await assert.rejects(audit.sql`delete from audit_logs`, /append-only: DELETE refused/);
    await assert.rejects(audit.sql`truncate audit_logs`, /append-only: TRUNCATE refused/);
    assert.equal(await audit.count(), 1);
  },
);
