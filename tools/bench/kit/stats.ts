/** Figures as the benches compute and print them. */

/** Nearest-rank percentile (`q` in 0..1) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const ascending = (a: number, b: number): number => a - b;

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The machine's load average: figures taken on a busy machine say more about the machine. */
export const loadAverage = (): string => Deno.loadavg().map((n) => n.toFixed(1)).join(" ");
