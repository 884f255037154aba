/**
 * One OpenAPI document from the gateway's own and every upstream's: each upstream keeps the
 * paths the gateway routes to it, its components are renamed `<upstream>.<name>` (with every
 * `$ref` rewritten) so two services' `Error` schemas cannot collide (security schemes excepted:
 * the gateway's own is how clients authenticate), and an upstream whose document could not be
 * fetched is listed as unavailable. Pure, no I/O.
 */
import type { OpenApiDocument } from "@flotilla/backbone";

export type UpstreamDoc =
  | { upstream: string; doc: OpenApiDocument }
  | { upstream: string; unavailable: string };

export interface MergeOptions {
  title: string;
  /** Whether the gateway routes `path` to `upstream`. */
  routes: (upstream: string, path: string) => boolean;
}

function renameRefs(value: unknown, upstream: string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, upstream));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string"
        ? v.replace(/^#\/components\/([^/]+)\/(.+)$/, `#/components/$1/${upstream}.$2`)
        : renameRefs(v, upstream);
    }
    return out;
  }
  return value;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

export function mergeOpenApi(
  own: OpenApiDocument,
  upstreams: UpstreamDoc[],
  options: MergeOptions,
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = { ...own.paths };
  const components: Record<string, Record<string, unknown>> = {};
  for (const [section, entries] of Object.entries(own.components ?? {})) {
    components[section] = { ...entries };
  }
  const status: Record<string, string> = {};
  const tags = [...(own.tags ?? [])];

  for (const part of upstreams) {
    if ("unavailable" in part) {
      status[part.upstream] = `unavailable: ${part.unavailable}`;
      continue;
    }
    status[part.upstream] = "available";
    tags.push({ name: part.upstream, description: `Served by the ${part.upstream} service` });
    const doc = renameRefs(part.doc, part.upstream) as OpenApiDocument;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      if (!options.routes(part.upstream, path)) continue;
      const merged: Record<string, unknown> = { ...paths[path] };
      for (const [key, op] of Object.entries(item)) {
        if (METHODS.has(key) && op && typeof op === "object") {
          const opTags = (op as { tags?: string[] }).tags ?? [];
          merged[key] = { ...op, tags: [part.upstream, ...opTags], "x-upstream": part.upstream };
        } else {
          merged[key] = op;
        }
      }
      paths[path] = merged;
    }
    for (const [section, entries] of Object.entries(doc.components ?? {})) {
      // Clients authenticate at the gateway: its own scheme is the one requirements name.
      if (section === "securitySchemes") continue;
      const target = components[section] ??= {};
      for (const [name, value] of Object.entries(entries ?? {})) {
        target[`${part.upstream}.${name}`] = value;
      }
    }
  }

  const unavailable = Object.entries(status).filter(([, s]) => s !== "available");
  const description = [
    own.info?.description ?? "",
    unavailable.length === 0
      ? "Every upstream's API is included."
      : `Not included now: ${unavailable.map(([u, s]) => `${u} (${s})`).join(", ")}.`,
  ].filter(Boolean).join(" ");
  return {
    ...own,
    openapi: own.openapi ?? "3.0.3",
    info: { title: options.title, version: own.info?.version ?? "1.0.0", description },
    tags,
    paths,
    components,
    "x-upstreams": status,
  };
}
