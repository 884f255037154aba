/**
 * `deno task bench span_cost [--spans N]`: what one span costs in one process: the relay's
 * publish span (start, context into the headers, end) and a consumer's process span (start from
 * a traceparent, end), called through the OpenTelemetry API with tracing off (its no-op; the
 * runtime itself skips these calls then) and on (Deno's built-in exporter, sending over OTLP to
 * a counting receiver in the parent process). Figures go to tools/bench/RESULTS.md.
 */
import { startOtlpReceiver } from "@flotilla/infra";
import {
  carrying,
  processSpan,
  publishSpan,
  type TracedMessage,
  tracing,
} from "@flotilla/backbone/telemetry";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const N = arg("spans", 100_000);

/** Nanoseconds per call of `fn`, after a warm-up of a tenth as many calls. */
function perCall(fn: (i: number) => void): number {
  for (let i = 0; i < N / 10; i++) fn(i);
  const started = performance.now();
  for (let i = 0; i < N; i++) fn(i);
  return (performance.now() - started) * 1e6 / N;
}

function measure(): Record<string, number> {
  const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const enqueued = new Date();
  const headers = new Map([["traceparent", parent], ["Nats-Msg-Id", "id"]]);
  const msg: TracedMessage = {
    subject: "bench.happened",
    headers: { get: (k) => headers.get(k) ?? "" },
    info: { streamSequence: 1, deliveryCount: 1 },
  };
  return {
    publish: perCall((i) => {
      const span = publishSpan("bench.happened", `id-${i}`, parent, enqueued);
      carrying({ traceparent: parent }, span);
      span.end();
    }),
    process: perCall(() => processSpan("bench-worker", msg).end()),
  };
}

if (Deno.args.includes("--child")) {
  if (!tracing) throw new Error("the traced child runs without tracing");
  console.log(JSON.stringify(measure()));
} else {
  const off = measure();
  await using sink = startOtlpReceiver({ keepSpans: false });
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--spans", String(N), "--child"],
    env: sink.env("span-cost"),
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(child.stdout).trim().split("\n");
  const on: typeof off = JSON.parse(lines[lines.length - 1]);
  console.log(`${N} spans of each kind, per span (ns): tracing off → on`);
  for (const kind of Object.keys(off)) {
    console.log(`  ${kind.padEnd(8)} ${off[kind].toFixed(0)} → ${on[kind].toFixed(0)}`);
  }
  // Let the child's last export arrive before counting.
  await new Promise((r) => setTimeout(r, 500));
  console.log(`spans the receiver got from the traced process: ${sink.received}`);
}
