/** What every bench shares: its throw-away world, HTTP, JetStream, CPU time, figures, wrk. */
export { Bench, type BenchService, type ServiceOptions } from "./scope.ts";
export { numberFlags } from "./flags.ts";
export { postJson, waitFor, waitForOk } from "./http.ts";
export { publishInBatches, rawConsume, type RawConsumeOptions } from "./jetstream.ts";
export { cpuSeconds, natsPid, postgresCpuSeconds } from "./cpu.ts";
export { ascending, loadAverage, mean, ms, percentile } from "./stats.ts";
export { requireWrk, wrk, type WrkOptions, type WrkResult } from "./wrk.ts";
