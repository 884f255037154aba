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
 *
 * `--tracing` measures it all twice in the same run, with tracing off and then on (fresh
 * services and databases, spans exported over OTLP to a counting receiver in this process),
 * and reports what tracing costs.
 */
import { parseArgs } from "node:util";
import { accountsAccess, fleetCatalog, transactionsAccess } from "@flotilla/contracts";
import { startOtlpReceiver } from "@flotilla/infra";
import { Bench, cpuSeconds, natsPid, postgresCpuSeconds, postJson } from "./kit/mod.ts";
import { printRun, printTracingCost, printWarmup } from "./ledger/print.ts";
import { run, type RunContext, type RunResult } from "./ledger/run.ts";

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
    tracing: { type: "boolean", default: false },
    runs: { type: "string", default: "uniform,hot" },
  },
});
const TRANSFERS = Number(args.transfers);
const WARMUP = Number(args.warmup);
const ACCOUNTS = Number(args.accounts);
const HOT = ACCOUNTS + 1;

await Bench.run("ledger", async (bench) => {
  console.log(
    `ledger bench: ${TRANSFERS} transfers, ${ACCOUNTS} accounts, ${args.clients} clients, ` +
      `${navigator.hardwareConcurrency} cores, ` +
      `Postgres ${args.durable ? "durable (fsync on)" : "fsync off (throw-away cluster)"}, ` +
      `transactions TRANSFER_MAX_PENDING=${
        Deno.env.get("TRANSFER_MAX_PENDING") ?? "128 (its default; 0 turns backpressure off)"
      }`,
  );
  const nats = await bench.nats();
  const pg = await bench.postgres({ fast: !args.durable });
  await bench.provision(nats, fleetCatalog);
  const trace = args.trace ? await bench.connect(nats) : undefined;

  const sink = args.tracing ? startOtlpReceiver({ keepSpans: false }) : undefined;
  if (sink) bench.defer(() => sink.close());
  const passes: { tracing: boolean; results: RunResult[]; spans: number }[] = [];
  for (const tracing of args.tracing ? [false, true] : [false]) {
    if (args.tracing) console.log(`\n######## tracing ${tracing ? "ON" : "OFF"}`);
    const spansBefore = sink?.received ?? 0;
    const results = await measure(tracing ? "_traced" : "", tracing ? sink!.env : undefined);
    passes.push({ tracing, results, spans: (sink?.received ?? 0) - spansBefore });
  }
  if (args.tracing) printTracingCost(passes);
  if (passes.some((p) => p.results.some((r) => !r.ledgerOk))) Deno.exitCode = 1;

  /** One pass: the services on their own databases, accounts opened, warm-up, the runs. */
  async function measure(
    suffix: string,
    otel: ((service: string) => Record<string, string>) | undefined,
  ): Promise<RunResult[]> {
    // Each pass on databases of its own, each run by its own role (named after the database).
    const [accounts, transactions] = await Promise.all(
      [accountsAccess, transactionsAccess].map(async (access) =>
        bench.service(`services/${access.service}/main.ts`, {
          env: {
            ...await bench.serviceEnv(access, nats, pg, { database: access.service + suffix }),
            DB_POOL_SIZE: "16",
            ...otel?.(access.service),
          },
        })
      ),
    );
    const natsProcess = await natsPid(nats);
    const accountsSql = bench.adminSql(pg, "accounts" + suffix);
    const transactionsSql = bench.adminSql(pg, "transactions" + suffix);
    const ctx: RunContext = {
      transactionsUrl: transactions.url,
      transactionsSql,
      accountsSql,
      clients: Number(args.clients),
      maxMs: Number(args["max-seconds"]) * 1000,
      cpuParts: async () => ({
        accounts: (await cpuSeconds(accounts.child.pid)) ?? 0,
        transactions: (await cpuSeconds(transactions.child.pid)) ?? 0,
        postgres: await postgresCpuSeconds(pg),
        nats: (await cpuSeconds(natsProcess)) ?? 0,
        "bench clients": (await cpuSeconds(Deno.pid)) ?? 0,
      }),
      trace,
    };

    // Accounts: 1..ACCOUNTS with 1,000.00 each, and one hot account with 10,000,000.00.
    let opened = 0;
    const open = async () => {
      while (opened < ACCOUNTS + 1) {
        const id = ++opened;
        const res = await postJson("accounts", `${accounts.url}/api/v1/accounts`, {
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
      const w = await run(ctx, "warm-up", uniform, WARMUP);
      printWarmup(w);
      if (!w.ledgerOk) Deno.exitCode = 1;
    }
    const runs = (args.runs ?? "").split(",");
    const results: RunResult[] = [];
    if (runs.includes("uniform")) {
      results.push(await run(ctx, "uniform: random pairs among all accounts", uniform, TRANSFERS));
      printRun(results[results.length - 1]);
    }
    if (runs.includes("hot")) {
      const hot = (i: number) => {
        const other = 1 + rand(ACCOUNTS);
        return i % 2 === 0
          ? { from: HOT, to: other, amount: amount() }
          : { from: other, to: HOT, amount: amount() };
      };
      results.push(
        await run(ctx, `hot account: every transfer touches account ${HOT}`, hot, TRANSFERS),
      );
      printRun(results[results.length - 1]);
    }
    // The next pass's services take over the same durables: these go first.
    for (const service of [accounts, transactions]) {
      service.child.kill("SIGTERM");
      await service.child.status;
    }
    return results;
  }
});
