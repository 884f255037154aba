/**
 * One measured run of the ledger bench: `clients` loops submit transfers over HTTP while an
 * observer polls the transactions database for their final statuses.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import type { Sql } from "@flotilla/backbone";
import { ledgerReport } from "../../ledger_check.ts";
import { ascending, percentile, postJson } from "../kit/mod.ts";

export interface Transfer {
  from: number;
  to: number;
  amount: string;
}

export interface RunContext {
  transactionsUrl: string;
  transactionsSql: Sql;
  accountsSql: Sql;
  clients: number;
  maxMs: number;
  /** CPU seconds used so far by each part of the system under test. */
  cpuParts: () => Promise<Record<string, number>>;
  /** Set: prints where transfers wait, once a second. */
  trace?: NatsConnection;
}

export interface RunResult {
  name: string;
  cpu: Record<string, number>;
  stages: { toLedgerP50: number; toLedgerP99: number; toFinalP50: number; toFinalP99: number };
  submitted: number;
  settled: number;
  complete: number;
  failed: number;
  submitErrors: number;
  wallMs: number;
  submitP50: number;
  submitP99: number;
  e2eP50: number;
  e2eP99: number;
  e2eMax: number;
  ledgerOk: boolean;
  ledgerLines: string[];
}

/** Submits `count` transfers and watches each reach its final status. */
export async function run(
  ctx: RunContext,
  name: string,
  pick: (i: number) => Transfer,
  count: number,
): Promise<RunResult> {
  const { transactionsSql, accountsSql } = ctx;
  const submittedAt = new Map<number, number>();
  const submittedIds = new Set<number>();
  const e2e: number[] = [];
  const submitLatency: number[] = [];
  let complete = 0;
  let failed = 0;
  let submitErrors = 0;
  let next = 0;
  let submittingDone = false;
  const cpuBefore = await ctx.cpuParts();
  const started = performance.now();
  let lastSettled = started;

  // Observer: polls the transactions database for final statuses of transfers in flight.
  const observer = (async () => {
    while (performance.now() - started < ctx.maxMs) {
      if (submittingDone && submittedAt.size === 0) return;
      const ids = [...submittedAt.keys()];
      if (ids.length > 0) {
        const rows = await transactionsSql<{ id: string; status: string }[]>`
          select id, status from transactions
          where id = any(${`{${ids.join(",")}}`}::bigint[])
            and status <> 'pending'`;
        const now = performance.now();
        for (const r of rows) {
          const id = Number(r.id);
          const t0 = submittedAt.get(id);
          if (t0 === undefined) continue;
          submittedAt.delete(id);
          e2e.push(now - t0);
          if (r.status === "complete") complete++;
          else failed++;
          lastSettled = now;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  const tracer = ctx.trace
    ? setInterval(() => trace(ctx, ctx.trace!, started, next), 1_000)
    : undefined;

  const client = async () => {
    while (true) {
      const i = next++;
      if (i >= count || performance.now() - started > ctx.maxMs) return;
      const { from, to, amount } = pick(i);
      const t0 = performance.now();
      try {
        const res = await postJson("transactions", `${ctx.transactionsUrl}/api/v1/transactions`, {
          source_account_id: from,
          destination_account_id: to,
          amount,
        });
        const body = await res.json();
        if (res.status !== 201) {
          submitErrors++;
          continue;
        }
        submitLatency.push(performance.now() - t0);
        submittedAt.set(body.id, t0);
        submittedIds.add(body.id);
      } catch {
        submitErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: ctx.clients }, client));
  submittingDone = true;
  await observer;
  clearInterval(tracer);
  const cpuAfter = await ctx.cpuParts();
  const cpu = Object.fromEntries(
    Object.entries(cpuAfter).map(([k, v]) => [k, v - (cpuBefore[k] ?? 0)]),
  );
  const wallMs = lastSettled - started;
  e2e.sort(ascending);
  submitLatency.sort(ascending);
  const { ok, lines } = await ledgerReport(accountsSql, transactionsSql);
  return {
    stages: await stages(ctx, Math.min(...[...submittedIds])),
    name,
    cpu,
    submitted: submitLatency.length,
    settled: e2e.length,
    complete,
    failed,
    submitErrors,
    wallMs,
    submitP50: percentile(submitLatency, 0.5),
    submitP99: percentile(submitLatency, 0.99),
    e2eP50: percentile(e2e, 0.5),
    e2eP99: percentile(e2e, 0.99),
    e2eMax: e2e[e2e.length - 1] ?? NaN,
    ledgerOk: ok,
    ledgerLines: lines,
  };
}

/**
 * Where the time goes, from the databases' own clocks (one server): submit commit → ledger
 * decision → final status recorded, for the transfers from `firstId` on.
 */
async function stages(ctx: RunContext, firstId: number): Promise<RunResult["stages"]> {
  const created = await ctx.transactionsSql<{ id: string; c: number; u: number }[]>`
    select id, extract(epoch from created_at) * 1000 as c, extract(epoch from updated_at) * 1000 as u
    from transactions where id >= ${firstId}`;
  const decided = new Map(
    (await ctx.accountsSql<{ id: string; d: number }[]>`
      select transaction_id as id, extract(epoch from decided_at) * 1000 as d
      from transfers where transaction_id >= ${firstId}`).map((r) => [r.id, Number(r.d)]),
  );
  const toLedger: number[] = [];
  const toFinal: number[] = [];
  for (const r of created) {
    const d = decided.get(r.id);
    if (d === undefined) continue;
    toLedger.push(d - Number(r.c));
    toFinal.push(Number(r.u) - d);
  }
  toLedger.sort(ascending);
  toFinal.sort(ascending);
  return {
    toLedgerP50: percentile(toLedger, 0.5),
    toLedgerP99: percentile(toLedger, 0.99),
    toFinalP50: percentile(toFinal, 0.5),
    toFinalP99: percentile(toFinal, 0.99),
  };
}

/** --trace: outbox rows, pending transfers and the consumers' backlogs. */
async function trace(ctx: RunContext, nc: NatsConnection, started: number, submitted: number) {
  const [a] = await ctx.accountsSql<{ n: number }[]>`select count(*)::int as n from outbox`;
  const [t] = await ctx.transactionsSql<{ n: number; p: number }[]>`
    select (select count(*)::int from outbox) as n,
           (select count(*)::int from transactions where status = 'pending') as p`;
  const info = async (durable: string) => {
    const c = await (await jetstreamManager(nc)).consumers.info("TRANSACTIONS", durable);
    return `${c.num_pending}+${c.num_ack_pending}`;
  };
  console.log(
    `  [${((performance.now() - started) / 1000).toFixed(0)} s] submitted ${submitted}, ` +
      `pending ${t.p}, outbox tx ${t.n} / acc ${a.n}, consumers accounts ${await info(
        "accounts-transfers",
      )} transactions ${await info("transactions-outcomes")}`,
  );
}
