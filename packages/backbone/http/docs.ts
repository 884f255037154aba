/**
 * The /docs page: a self-contained list of the API from its OpenAPI document, with the scope
 * each operation needs, and a field to authorize with a key or token and try the GET operations.
 */
import type { OpenApiDocument } from "./app.ts";

/** An operation's one-line description on the docs page. */
function summaryOf(op: unknown): string {
  if (!op || typeof op !== "object") return "";
  if ("summary" in op && typeof op.summary === "string") return op.summary;
  if ("description" in op && typeof op.description === "string") return op.description;
  return "";
}

/** What an operation needs: its scopes, "public", or "" when it does not say. */
function accessOf(op: unknown): string {
  if (!op || typeof op !== "object" || !("security" in op) || !Array.isArray(op.security)) {
    return "";
  }
  if (op.security.length === 0) return "public";
  return op.security.flatMap((req: Record<string, string[]>) => Object.values(req).flat()).join(
    " ",
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

// Keeps the key in this tab only (sessionStorage) and sends it on the GETs a person tries.
const SCRIPT = `
const field = document.getElementById("token");
field.value = sessionStorage.getItem("flotilla-token") ?? "";
field.addEventListener("change", () => sessionStorage.setItem("flotilla-token", field.value.trim()));
for (const button of document.querySelectorAll("button[data-path]")) {
  button.addEventListener("click", async () => {
    let path = button.dataset.path;
    for (const name of path.match(/{[^}]+}/g) ?? []) {
      const value = prompt(name.slice(1, -1));
      if (value === null) return;
      path = path.replace(name, encodeURIComponent(value));
    }
    const token = field.value.trim();
    const res = await fetch(path, { headers: token ? { authorization: "Bearer " + token } : {} });
    document.getElementById("out").textContent = "GET " + path + " → " + res.status + "\\n\\n" +
      await res.text();
  });
}`;

/**
 * A self-contained page listing the API (no CDN: the machines that run Flotilla may have no
 * internet); the full description is one click away at /openapi.json.
 */
export function renderDocs(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) =>
      `<tr><td class="m ${method}">${method.toUpperCase()}</td><td><code>${
        escapeHtml(path)
      }</code></td><td>${escapeHtml(summaryOf(op))}</td><td class="s">${
        escapeHtml(accessOf(op))
      }</td><td>${
        method === "get" ? `<button data-path="${escapeHtml(path)}">try</button>` : ""
      }</td></tr>`
    )
  ).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${
    escapeHtml(doc.info?.title ?? "")
  }</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.4rem}
.m{font-weight:bold;width:5rem}.get{color:#2a7}.post{color:#27a}.patch,.put{color:#a72}.delete{color:#c33}
.s{font-family:monospace;color:#555}#token{width:32rem;font-family:monospace}
pre{background:#f6f6f6;padding:1rem;white-space:pre-wrap;max-height:30rem;overflow:auto}</style>
</head><body><h1>${escapeHtml(doc.info?.title ?? "")}</h1><p>${
    escapeHtml(doc.info?.description ?? "")
  }</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
<p><label>Authorize (API key or token, kept in this tab only): <input id="token" type="password"
autocomplete="off" placeholder="flt_…"></label></p>
<table><tr><th></th><th>path</th><th>what</th><th>needs</th><th></th></tr>${rows}</table>
<pre id="out"></pre><script>${SCRIPT}</script></body></html>`;
}
