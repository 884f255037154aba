/** What every bench shares: its throw-away world, HTTP, CPU time, figures, wrk. */
export { Bench, type BenchService, type ServiceOptions } from "./scope.ts";
export { postJson, waitForOk } from "./http.ts";
export { consumeRaw } from "./raw.ts";
export { cpuSeconds, natsPid, postgresCpuSeconds } from "./cpu.ts";
export { ascending, loadAverage, mean, ms, percentile } from "./stats.ts";
export { requireWrk, wrk, type WrkOptions, type WrkResult } from "./wrk.ts";
