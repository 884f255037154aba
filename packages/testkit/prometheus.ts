/** Reading a Prometheus text exposition (what /metrics answers) in tests. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` that has `labels` (among others); undefined if none. */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  if (found.length > 1) {
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  }
  return found[0]?.value;
}

/** Every series (name and labels), one string each, for comparing what exists. */
export function seriesOf(samples: Sample[]): Set<string> {
  return new Set(
    samples.map((s) =>
      `${s.name}{${
        Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) =>
          `${k}="${v}"`
        )
          .join(",")
      }}`
    ),
  );
}
