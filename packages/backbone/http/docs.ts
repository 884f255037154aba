/** The /docs page: a self-contained list of the API from its OpenAPI document. */
import type { OpenApiDocument } from "./app.ts";

/** An operation's one-line description on the docs page. */
function summaryOf(op: unknown): string {
  if (!op || typeof op !== "object") return "";
  if ("summary" in op && typeof op.summary === "string") return op.summary;
  if ("description" in op && typeof op.description === "string") return op.description;
  return "";
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A self-contained page listing the API (no CDN: the machines that run Flotilla may have no
 * internet); the full description is one click away at /openapi.json.
 */
export function renderDocs(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) =>
      `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${
        escapeHtml(path)
      }</code></td><td>${escapeHtml(summaryOf(op))}</td></tr>`
    )
  ).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${
    escapeHtml(doc.info?.title ?? "")
  }</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.4rem}
.m{font-weight:bold;width:5rem}.get{color:#2a7}.post{color:#27a}.patch,.put{color:#a72}.delete{color:#c33}</style>
</head><body><h1>${escapeHtml(doc.info?.title ?? "")}</h1><p>${
    escapeHtml(doc.info?.description ?? "")
  }</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p><table>${rows}</table></body></html>`;
}
