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
