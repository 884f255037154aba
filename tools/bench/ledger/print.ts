/** The ledger bench's report of one run. */
import { ms } from "../kit/mod.ts";
import type { RunResult } from "./run.ts";

export function printRun(r: RunResult): void {
  const rate = r.settled / (r.wallMs / 1000);
  console.log(`\n== ${r.name}`);
  console.log(
    `transfers: ${r.submitted} accepted (${r.submitErrors} submit errors), ${r.settled} settled ` +
      `(${r.complete} complete, ${r.failed} failed) in ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  console.log(`throughput end to end: ${rate.toFixed(0)} transfers/s settled (target ≥ 1000)`);
  console.log(
    `submit → final status: p50 ${ms(r.e2eP50)}, p99 ${ms(r.e2eP99)}, max ${
      ms(r.e2eMax)
    } (target p99 ≤ 250 ms)`,
  );
  console.log(`HTTP submit (201): p50 ${ms(r.submitP50)}, p99 ${ms(r.submitP99)}`);
  console.log(
    `stages (database clocks): submit commit → ledger decision p50 ${ms(r.stages.toLedgerP50)}, ` +
      `p99 ${ms(r.stages.toLedgerP99)}; ledger decision → final status p50 ${
        ms(r.stages.toFinalP50)
      }, p99 ${ms(r.stages.toFinalP99)}`,
  );
  console.log(
    `ratios: throughput ${(rate / 1000).toFixed(2)}× target, p99 ${
      (r.e2eP99 / 250).toFixed(2)
    }× budget`,
  );
  const cpuTotal = Object.values(r.cpu).reduce((a, b) => a + b, 0);
  const cores = navigator.hardwareConcurrency;
  console.log(
    `CPU used: ${
      Object.entries(r.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")
    }; total ${cpuTotal.toFixed(1)} s = ${
      (cpuTotal / r.settled * 1000).toFixed(2)
    } ms per transfer` +
      ` → ${(cores * r.settled / cpuTotal).toFixed(0)} transfers/s if ` +
      `these ${cores} cores did nothing else`,
  );
  for (const line of r.ledgerLines) console.log(`  ${line}`);
}

export function printWarmup(w: RunResult): void {
  console.log(
    `\nwarm-up (not counted below): ${w.settled} transfers settled in ${
      (w.wallMs / 1000).toFixed(1)
    } s, p50 ${w.e2eP50.toFixed(1)} ms, p99 ${w.e2eP99.toFixed(1)} ms; ledger ${
      w.ledgerOk ? "OK" : "NOT OK"
    }`,
  );
}

/** `--tracing`: each run with tracing off and on, side by side, and what tracing cost. */
export function printTracingCost(
  passes: { tracing: boolean; results: RunResult[]; spans: number }[],
): void {
  const [off, on] = passes;
  console.log("\n== tracing: off → on (same machine, same run)");
  for (const [i, a] of off.results.entries()) {
    const b = on.results[i];
    const rate = (r: RunResult) => r.settled / (r.wallMs / 1000);
    const cpu = (r: RunResult) => (r.cpu.accounts + r.cpu.transactions) / r.settled * 1000;
    const change = (x: number, y: number) => `${((y / x - 1) * 100).toFixed(1)}%`;
    console.log(`${a.name}:`);
    console.log(
      `  throughput ${rate(a).toFixed(0)} → ${rate(b).toFixed(0)} transfers/s (${
        change(rate(a), rate(b))
      })`,
    );
    console.log(
      `  submit → final p50 ${ms(a.e2eP50)} → ${ms(b.e2eP50)}, p99 ${ms(a.e2eP99)} → ${
        ms(b.e2eP99)
      }`,
    );
    console.log(
      `  services' CPU per transfer ${cpu(a).toFixed(3)} → ${cpu(b).toFixed(3)} ms (${
        change(cpu(a), cpu(b))
      })`,
    );
  }
  const settled = on.results.reduce((n, r) => n + r.settled, 0);
  console.log(
    `spans exported with tracing on: ${on.spans} (warm-up included), ` +
      `${(on.spans / Math.max(1, settled)).toFixed(1)} per measured transfer; the bench ` +
      `process decodes them (its CPU is in "bench clients")`,
  );
}
