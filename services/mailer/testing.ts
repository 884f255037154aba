/**
 * Test support for the mailer (`@flotilla/mailer/testing`): a movable clock, the mailer run
 * in-process by the launcher, seeded clients, and the shapes and texts tests check against.
 */
import { Loop, runService, type Sql } from "@flotilla/backbone";
import { freePort } from "@flotilla/infra";
import { type TestEnv, testIdentity } from "@flotilla/testkit";
import { fleetCatalog } from "@flotilla/contracts";
import { loadMailerConfig, SERVICE } from "./config.ts";
import { type Clock, systemClock } from "./domain/clock.ts";
import { mailerService } from "./service.ts";

export type { Mailing } from "./domain/model.ts";
export { UNKNOWN_OUTCOME } from "./handlers/send.ts";

/** A clock that stands still until told to move. */
export class FakeClock implements Clock {
  #at: number;
  constructor(at: Date | string) {
    this.#at = new Date(at).getTime();
  }
  now(): Date {
    return new Date(this.#at);
  }
  set(at: Date | string): void {
    this.#at = new Date(at).getTime();
  }
}

export interface TestMailer {
  url: string;
  scheduler: Loop;
  stop(): Promise<void>;
}

/**
 * The mailer in this process, on the env's NATS and database, as itself (its identity and
 * database role, after the provision step); stopped with the env.
 */
export async function startTestMailer(
  env: TestEnv,
  options: { providerUrl: string; clock?: Clock; env?: Record<string, string> },
): Promise<TestMailer> {
  const port = freePort();
  await env.provision(fleetCatalog);
  const definition = mailerService(
    loadMailerConfig({
      PORT: String(port),
      ...await env.serviceEnv(SERVICE),
      LOG_LEVEL: Deno.env.get("MAILER_TEST_LOG") ?? "error",
      PROVIDER_URL: options.providerUrl,
      PROVIDER_TOKEN: "dev-token",
      SCHEDULER_INTERVAL_MS: "100",
      BREAKER_HALF_OPEN_MS: "500",
      SENDER_CONCURRENCY: "16",
      ...testIdentity.env,
      ...options.env,
    }),
    options.clock ?? systemClock,
  );
  let scheduler: Loop | undefined;
  const running = await runService({
    ...definition,
    async start(rt) {
      const parts = await definition.start(rt);
      scheduler = parts.workers?.find((w): w is Loop => w instanceof Loop);
      return parts;
    },
  }, { handleSignals: false, hostname: "127.0.0.1" });
  env.defer(() => running.stop());
  if (!scheduler) throw new Error("the mailer started without its scheduler");
  return { url: `http://127.0.0.1:${port}`, scheduler, stop: () => running.stop() };
}

/** Inserts clients straight into the table: phones 7900000000n, tags and zones as given. */
export async function seedClients(
  sql: Sql,
  count: number,
  pick: (i: number) => { tag?: string; timezone?: string; operator_code?: string } = () => ({}),
  firstPhone = 79_000_000_000,
): Promise<number[]> {
  const rows = Array.from({ length: count }, (_, i) => {
    const phone = String(firstPhone + i);
    const p = pick(i);
    return {
      phone,
      operator_code: p.operator_code ?? phone.slice(1, 4),
      tag: p.tag ?? "",
      timezone: p.timezone ?? "Europe/Moscow",
    };
  });
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 5_000) {
    const chunk = rows.slice(i, i + 5_000);
    const inserted = await sql<{ id: string }[]>`
      insert into clients ${sql(chunk, "phone", "operator_code", "tag", "timezone")}
      returning id`;
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids;
}

/** POSTs JSON and returns the parsed answer, failing loudly on anything but 2xx. */
export async function postJson<T>(url: string, body: unknown, method = "POST"): Promise<T> {
  const res = await testIdentity.fetch("mailer")(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Message status → count, for one mailing. */
export async function statusCounts(sql: Sql, mailingId: number): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from messages where mailing_id = ${mailingId}
    group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
