/**
 * Canonical JSON: object keys sorted, no whitespace. The hash chain is computed over it, so
 * the same event always hashes the same, however its keys were ordered on the wire or in jsonb.
 * Written as one loop without intermediate arrays: it runs for every stored event.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]);
    }
    return out + "]";
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return canonicalJson(JSON.parse(JSON.stringify(value)));
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined || typeof v === "function") continue;
    if (!first) out += ",";
    first = false;
    out += JSON.stringify(key) + ":" + canonicalJson(v);
  }
  return out + "}";
}
