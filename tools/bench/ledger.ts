/**
 * `deno task bench ledger [--transfers N] [--warmup N] [--accounts N] [--clients N] [--durable]`
 *
 * The transfer saga end to end on this machine: its own nats-server and PostgreSQL (temp
 * dirs, free ports; fsync off unless --durable), the accounts and transactions services as
 * processes, 1,000 accounts, 2,000 warm-up transfers (reported apart), then 20,000 transfers
 * from 64 concurrent HTTP clients. It reports transfers settled per second, p50/p99 from submit
 * to the final status being readable, and the ledger check; then the same with every transfer
 * touching one hot account. Bounded: each run stops waiting after --max-seconds (default 180).
 *
 * The services inherit this process's environment: `TRANSFER_MAX_PENDING=0 deno task bench
 * ledger` measures the saga without the transactions service's backpressure.
 */
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport";
import { connectPostgres, provision, type Sql } from "@flotilla/backbone";
import { fleetCatalog } from "@flotilla/contracts";
import { ensureDatabase, freePort, startNats, startPostgres } from "@flotilla/infra";
import { ledgerReport } from "../ledger_check.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    transfers: { type: "string", default: "20000" },
    warmup: { type: "string", default: "2000" },
    accounts: { type: "string", default: "1000" },
    clients: { type: "string", default: "64" },
    "max-seconds": { type: "string", default: "180" },
    durable: { type: "boolean", default: false },
    trace: { type: "boolean", default: false },
    runs: { type: "string", default: "uniform,hot" },
  },
});
const TRANSFERS = Number(args.transfers);
const WARMUP = Number(args.warmup);
const ACCOUNTS = Number(args.accounts);
const CLIENTS = Number(args.clients);
const MAX_MS = Number(args["max-seconds"]) * 1000;
const HOT = ACCOUNTS + 1;
const root = new URL("../../", import.meta.url).pathname;
let traceNc: NatsConnection | undefined;

const dir = await Deno.makeTempDir({ prefix: "flotilla-bench-ledger-" });
await Deno.chmod(dir, 0o755);
const cleanups: (() => Promise<void>)[] = [];
const cleanup = async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
};

interface Service {
  url: string;
  child: Deno.ChildProcess;
}

async function spawn(main: string, env: Record<string, string>): Promise<Service> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    // FLOTILLA_BENCH_V8_FLAGS=--prof writes V8 tick logs (read them with node --prof-process).
    args: [
      "run",
      "-A",
      ...(Deno.env.get("FLOTILLA_BENCH_V8_FLAGS")
        ? [`--v8-flags=${Deno.env.get("FLOTILLA_BENCH_V8_FLAGS")}`]
        : []),
      `${root}${main}`,
    ],
    env: { PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  cleanups.push(async () => {
    child.kill("SIGTERM");
    await child.status;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`);
      await res.body?.cancel();
      if (res.ok) return { url, child };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${main} did not become ready`);
}

/** CPU seconds (user + system) a process has used, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids of the processes whose parent is `ppid`. */
async function childrenOf(ppid: number): Promise<number[]> {
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) {
        pids.push(Number(e.name));
      }
    } catch { /* gone */ }
  }
  return pids;
}

/** CPU seconds used so far by each part of the system under test. */
let cpuParts: () => Promise<Record<string, number>> = () => Promise.resolve({});

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function postJson(url: string, body: unknown): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

interface RunResult {
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

/** Submits `count` transfers from `CLIENTS` loops and watches each reach its final status. */
async function run(
  name: string,
  pick: (i: number) => { from: number; to: number; amount: string },
  transactionsUrl: string,
  transactionsSql: Sql,
  accountsSql: Sql,
  count = TRANSFERS,
): Promise<RunResult> {
  const submittedAt = new Map<number, number>();
  const submittedIds = new Set<number>();
  const e2e: number[] = [];
  const submitLatency: number[] = [];
  let complete = 0;
  let failed = 0;
  let submitErrors = 0;
  let next = 0;
  let submittingDone = false;
  const cpuBefore = await cpuParts();
  const started = performance.now();
  let lastSettled = started;

  // Observer: polls the transactions database for final statuses of transfers in flight.
  const observer = (async () => {
    while (performance.now() - started < MAX_MS) {
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

  // --trace: where transfers wait, once a second (outbox rows, consumer backlog).
  const tracer = args.trace
    ? setInterval(async () => {
      const [a] = await accountsSql<{ n: number }[]>`select count(*)::int as n from outbox`;
      const [t] = await transactionsSql<{ n: number; p: number }[]>`
        select (select count(*)::int from outbox) as n,
               (select count(*)::int from transactions where status = 'pending') as p`;
      const info = async (durable: string) => {
        const c = await (await jetstreamManager(traceNc!)).consumers.info("TRANSACTIONS", durable);
        return `${c.num_pending}+${c.num_ack_pending}`;
      };
      console.log(
        `  [${((performance.now() - started) / 1000).toFixed(0)} s] submitted ${next}, ` +
          `pending ${t.p}, outbox tx ${t.n} / acc ${a.n}, consumers accounts ${await info(
            "accounts-transfers",
          )} transactions ${await info("transactions-outcomes")}`,
      );
    }, 1_000)
    : undefined;

  const client = async () => {
    while (true) {
      const i = next++;
      if (i >= count || performance.now() - started > MAX_MS) return;
      const { from, to, amount } = pick(i);
      const t0 = performance.now();
      try {
        const res = await postJson(`${transactionsUrl}/api/v1/transactions`, {
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
  await Promise.all(Array.from({ length: CLIENTS }, client));
  submittingDone = true;
  await observer;
  clearInterval(tracer);
  const cpuAfter = await cpuParts();
  const cpu = Object.fromEntries(
    Object.entries(cpuAfter).map(([k, v]) => [k, v - (cpuBefore[k] ?? 0)]),
  );
  const wallMs = lastSettled - started;
  e2e.sort((a, b) => a - b);
  submitLatency.sort((a, b) => a - b);
  const { ok, lines } = await ledgerReport(accountsSql, transactionsSql);
  // Where the time goes, from the databases' own clocks (one server): submit commit → ledger
  // decision → final status recorded.
  const firstId = Math.min(...[...submittedIds]);
  const created = await transactionsSql<{ id: string; c: number; u: number }[]>`
    select id, extract(epoch from created_at) * 1000 as c, extract(epoch from updated_at) * 1000 as u
    from transactions where id >= ${firstId}`;
  const decided = new Map(
    (await accountsSql<{ id: string; d: number }[]>`
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
  toLedger.sort((a, b) => a - b);
  toFinal.sort((a, b) => a - b);
  const stages = {
    toLedgerP50: percentile(toLedger, 50),
    toLedgerP99: percentile(toLedger, 99),
    toFinalP50: percentile(toFinal, 50),
    toFinalP99: percentile(toFinal, 99),
  };
  return {
    stages,
    name,
    cpu,
    submitted: submitLatency.length,
    settled: e2e.length,
    complete,
    failed,
    submitErrors,
    wallMs,
    submitP50: percentile(submitLatency, 50),
    submitP99: percentile(submitLatency, 99),
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    e2eMax: e2e[e2e.length - 1] ?? NaN,
    ledgerOk: ok,
    ledgerLines: lines,
  };
}

function print(r: RunResult): void {
  const rate = r.settled / (r.wallMs / 1000);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`\n== ${r.name}`);
  console.log(
    `transfers: ${r.submitted} accepted (${r.submitErrors} submit errors), ${r.settled} settled ` +
      `(${r.complete} complete, ${r.failed} failed) in ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  console.log(`throughput end to end: ${rate.toFixed(0)} transfers/s settled (target ≥ 1000)`);
  console.log(
    `submit → final status: p50 ${f(r.e2eP50)}, p99 ${f(r.e2eP99)}, max ${
      f(r.e2eMax)
    } (target p99 ≤ 250 ms)`,
  );
  console.log(`HTTP submit (201): p50 ${f(r.submitP50)}, p99 ${f(r.submitP99)}`);
  console.log(
    `stages (database clocks): submit commit → ledger decision p50 ${f(r.stages.toLedgerP50)}, ` +
      `p99 ${f(r.stages.toLedgerP99)}; ledger decision → final status p50 ${
        f(r.stages.toFinalP50)
      }, p99 ${f(r.stages.toFinalP99)}`,
  );
  console.log(
    `ratios: throughput ${(rate / 1000).toFixed(2)}× target, p99 ${
      (r.e2eP99 / 250).toFixed(2)
    }× budget`,
  );
  const cpuTotal = Object.values(r.cpu).reduce((a, b) => a + b, 0);
  console.log(
    `CPU used: ${
      Object.entries(r.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")
    }; total ${cpuTotal.toFixed(1)} s = ${
      (cpuTotal / r.settled * 1000).toFixed(2)
    } ms per transfer` +
      ` → ${(navigator.hardwareConcurrency * r.settled / cpuTotal).toFixed(0)} transfers/s if ` +
      `these ${navigator.hardwareConcurrency} cores did nothing else`,
  );
  for (const line of r.ledgerLines) console.log(`  ${line}`);
}

try {
  const cores = navigator.hardwareConcurrency;
  console.log(
    `ledger bench: ${TRANSFERS} transfers, ${ACCOUNTS} accounts, ${CLIENTS} clients, ${cores} cores, ` +
      `Postgres ${args.durable ? "durable (fsync on)" : "fsync off (throw-away cluster)"}, ` +
      `transactions TRANSFER_MAX_PENDING=${
        Deno.env.get("TRANSFER_MAX_PENDING") ?? "128 (its default; 0 turns backpressure off)"
      }`,
  );
  const nats = await startNats({ dir: `${dir}/nats` });
  cleanups.push(() => nats.stop());
  const pg = await startPostgres({ dir: `${dir}/pg`, fast: !args.durable });
  cleanups.push(() => pg.stop());
  await ensureDatabase(pg.url, "accounts");
  await ensureDatabase(pg.url, "transactions");
  const nc = await connect({ servers: nats.url });
  await provision(nc, fleetCatalog);
  traceNc = nc;
  cleanups.push(() => nc.close());

  const common = { NATS_URL: nats.url, DB_POOL_SIZE: "16" };
  const [accounts, transactions] = await Promise.all([
    spawn("services/accounts/main.ts", { ...common, DATABASE_URL: pg.urlFor("accounts") }),
    spawn("services/transactions/main.ts", {
      ...common,
      DATABASE_URL: pg.urlFor("transactions"),
    }),
  ]);
  const postmaster = Number(
    (await Deno.readTextFile(`${pg.dataDir}/postmaster.pid`)).split("\n")[0],
  );
  const natsPid = Number(
    new TextDecoder().decode(
      (await new Deno.Command("pgrep", { args: ["-f", `${dir}/nats/nats.conf`] }).output())
        .stdout,
    ).trim().split("\n")[0],
  );
  cpuParts = async () => {
    let postgres = await cpuSeconds(postmaster);
    for (const pid of await childrenOf(postmaster)) postgres += await cpuSeconds(pid);
    return {
      accounts: await cpuSeconds(accounts.child.pid),
      transactions: await cpuSeconds(transactions.child.pid),
      postgres,
      nats: await cpuSeconds(natsPid),
      "bench clients": await cpuSeconds(Deno.pid),
    };
  };
  const accountsSql = connectPostgres({ url: pg.urlFor("accounts"), name: "bench", max: 2 });
  const transactionsSql = connectPostgres({
    url: pg.urlFor("transactions"),
    name: "bench",
    max: 2,
  });
  cleanups.push(() => accountsSql.end({ timeout: 1 }));
  cleanups.push(() => transactionsSql.end({ timeout: 1 }));

  // Accounts: 1..ACCOUNTS with 1,000.00 each, and one hot account with 10,000,000.00.
  let opened = 0;
  const open = async () => {
    while (opened < ACCOUNTS + 1) {
      const id = ++opened;
      const res = await postJson(`${accounts.url}/api/v1/accounts`, {
        account_id: id,
        initial_balance: id === HOT ? "10000000.00" : "1000.00",
      });
      await res.body?.cancel();
      if (res.status !== 201) throw new Error(`opening account ${id}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, open));
  console.log(`opened ${ACCOUNTS + 1} accounts`);

  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const amount = () => `${rand(20)}.${String(1 + rand(99)).padStart(2, "0")}`;
  const uniform = () => {
    const from = 1 + rand(ACCOUNTS);
    let to = 1 + rand(ACCOUNTS);
    if (to === from) to = from === ACCOUNTS ? 1 : from + 1;
    return { from, to, amount: amount() };
  };
  if (WARMUP > 0) {
    // Freshly started services compile their hot paths and prepare their statements during the
    // first seconds; the runs below measure the steady state, this says what the start costs.
    const w = await run("warm-up", uniform, transactions.url, transactionsSql, accountsSql, WARMUP);
    console.log(
      `\nwarm-up (not counted below): ${w.settled} transfers settled in ${
        (w.wallMs / 1000).toFixed(1)
      } s, p50 ${w.e2eP50.toFixed(1)} ms, p99 ${w.e2eP99.toFixed(1)} ms; ledger ${
        w.ledgerOk ? "OK" : "NOT OK"
      }`,
    );
    if (!w.ledgerOk) Deno.exitCode = 1;
  }
  const runs = (args.runs ?? "").split(",");
  const results: RunResult[] = [];
  if (runs.includes("uniform")) {
    results.push(
      await run(
        "uniform: random pairs among all accounts",
        uniform,
        transactions.url,
        transactionsSql,
        accountsSql,
      ),
    );
    print(results[results.length - 1]);
  }
  if (runs.includes("hot")) {
    results.push(
      await run(
        `hot account: every transfer touches account ${HOT}`,
        (i) => {
          const other = 1 + rand(ACCOUNTS);
          return i % 2 === 0
            ? { from: HOT, to: other, amount: amount() }
            : { from: other, to: HOT, amount: amount() };
        },
        transactions.url,
        transactionsSql,
        accountsSql,
      ),
    );
    print(results[results.length - 1]);
  }
  if (results.some((r) => !r.ledgerOk)) Deno.exitCode = 1;
} finally {
  await cleanup();
}
