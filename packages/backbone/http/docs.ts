/**
 * The /docs page: Swagger UI (npm swagger-ui-dist) over the app's own /openapi.json, with
 * "Authorize" for the bearer scheme the document declares and "Try it out" on every operation.
 * Every file is served by the service itself under /docs/assets/ (no CDN: the machines that run
 * Flotilla may have no internet), and the page's Content-Security-Policy allows no inline script
 * and no other origin.
 */
import { Hono } from "hono";
import swaggerUiDirectory from "swagger-ui-dist/absolute-path.js";
import { problem, problemResponse } from "../problem.ts";
import type { AppEnv } from "./app.ts";
import { DOCS_CSS, DOCS_SCRIPT } from "./docs_client.ts";

export interface DocsOptions {
  title: string;
  /** Shown above the API: where a key works, what "Try it out" sends. Plain text. */
  note: string;
  /** Where the page's script fetches the OpenAPI document. */
  openapiPath: string;
}

/**
 * Data images only: Swagger UI's stylesheet draws its icons as inline SVG. Nothing else but
 * this origin, and no inline script or style element.
 */
const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  /** The body gzipped once, for scripts and stylesheets (Swagger UI's bundle: 1.7 MB plain). */
  gzip?: Uint8Array<ArrayBuffer>;
  type: string;
  /** Of the content: the page asks for `?v=<version>`, so a browser may keep it for good. */
  version: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

// Swagger UI's dist package ships no types: absolute-path.js returns the package's directory,
// which `deno compile` embeds with the package (this import puts it in every service's graph).
const swaggerUiFiles: () => string = swaggerUiDirectory;

/** The files of swagger-ui-dist the page uses, and their types. */
const SWAGGER_UI: Record<string, string> = {
  "swagger-ui-bundle.js": JS,
  "swagger-ui.css": CSS,
  "favicon-32x32.png": "image/png",
};

async function gzip(body: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function asset(body: Uint8Array<ArrayBuffer>, type: string): Promise<Asset> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const version = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, gzip: type.startsWith("text/") ? await gzip(body) : undefined, type, version };
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const directory = swaggerUiFiles();
  const text = new TextEncoder();
  const entries = await Promise.all([
    ...Object.entries(SWAGGER_UI).map(async ([name, type]) =>
      [name, await asset(await Deno.readFile(`${directory}/${name}`), type)] as const
    ),
    asset(text.encode(DOCS_SCRIPT), JS).then((a) => ["docs.js", a] as const),
    asset(text.encode(DOCS_CSS), CSS).then((a) => ["docs.css", a] as const),
  ]);
  return new Map(entries);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function renderPage(options: DocsOptions, assets: Map<string, Asset>): string {
  const href = (name: string) => escapeHtml(`/docs/assets/${name}?v=${assets.get(name)?.version}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="icon" type="image/png" href="${href("favicon-32x32.png")}">
<link rel="stylesheet" href="${href("swagger-ui.css")}">
<link rel="stylesheet" href="${href("docs.css")}">
</head><body>
<p id="docs-note">${escapeHtml(options.note)}</p>
<div id="swagger-ui" data-openapi="${escapeHtml(options.openapiPath)}"></div>
<script src="${href("swagger-ui-bundle.js")}"></script>
<script src="${href("docs.js")}"></script>
</body></html>`;
}

/**
 * GET /docs and GET /docs/assets/{name}. The files are read once, on the first request for
 * them (a service nobody browses holds none of it), and kept; a browser keeps them too.
 */
export function docsRoutes(options: DocsOptions): Hono<AppEnv> {
  let loading: Promise<Map<string, Asset>> | undefined;
  const assets = () =>
    loading ??= loadAssets().catch((err) => {
      loading = undefined;
      throw err;
    });

  const docs = new Hono<AppEnv>();
  docs.get("/docs", async (c) =>
    c.html(renderPage(options, await assets()), 200, {
      "content-security-policy": CSP,

      "cache-control": "no-cache",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    }));
  docs.get("/docs/assets/:name", async (c) => {
    const name = c.req.param("name");
    const found = (await assets()).get(name);
    if (!found) {
      return problemResponse(problem(404, "Not found", `No docs asset named "${name}"`));
    }
    const gzipped = found.gzip && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")
      ? found.gzip
      : undefined;
    const headers: Record<string, string> = {
      "content-type": found.type,
      "cache-control": "public, max-age=31536000, immutable",
      etag: gzipped ? `"${found.version}-gzip"` : `"${found.version}"`,
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
      ...(gzipped ? { "content-encoding": "gzip" } : {}),
    };
    if (c.req.header("if-none-match") === headers.etag) return c.body(null, 304, headers);
    return c.body(gzipped ?? found.body, 200, headers);
  });
  return docs;
}
