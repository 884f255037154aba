/** A fuzz request as a curl command one can paste into a shell (bytes escaped, pads generated). */
import type { Body, FuzzRequest } from "./requests.ts";

/** Bash ANSI-C quoting: printable ASCII as is, everything else as \xHH. */
function quote(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let out = "";
  for (const b of bytes) {
    if (b === 0x27 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `$'${out}'`;
}

function bodyArgument(body: Body): string {
  if (!body.pad) return `--data-binary ${quote(body.head)}`;
  const { byte, count } = body.pad;
  const pad = `head -c ${count} /dev/zero | tr '\\0' ${quote(String.fromCharCode(byte))}`;
  const tail = body.tail ? `; printf %s ${quote(body.tail)}` : "";
  return `--data-binary @<(printf %s ${quote(body.head)}; ${pad}${tail})`;
}

export function curl(base: string, req: FuzzRequest, headers: Record<string, string>): string {
  const parts = ["curl -i", `-X ${req.method}`, quote(base + req.target)];
  for (const [name, value] of Object.entries({ ...headers, ...req.headers })) {
    // Header values go on the wire one byte per character (Latin-1), as fetch sends them.
    const line = `${name}: ${value}`;
    parts.push(`-H ${quote(Uint8Array.from(line, (ch) => ch.charCodeAt(0)))}`);
  }
  if (req.body) parts.push(bodyArgument(req.body));
  return parts.join(" ");
}

/** The bytes a body sends. */
export function bodyBytes(body: Body): Uint8Array<ArrayBuffer> {
  const pad = body.pad ? new Uint8Array(body.pad.count).fill(body.pad.byte) : new Uint8Array(0);
  const tail = body.tail ?? new Uint8Array(0);
  const out = new Uint8Array(body.head.length + pad.length + tail.length);
  out.set(body.head, 0);
  out.set(pad, body.head.length);
  out.set(tail, body.head.length + pad.length);
  return out;
}
