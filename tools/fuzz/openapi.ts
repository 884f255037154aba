/** The operations of an OpenAPI 3.0 document, with their parameters and body, refs resolved. */

/** The part of JSON Schema (OpenAPI 3.0 dialect) the fuzzer reads. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  nullable?: boolean;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Schema;
}

export interface OperationBody {
  schema: Schema;
  required: boolean;
  maxBytes?: number;
}

export interface Operation {
  /** `POST /api/v1/users/{id}`: how findings and `--only` name it. */
  id: string;
  method: string;
  /** The path template, `{name}` for parameters. */
  path: string;
  params: Parameter[];
  /** The JSON body, when the operation declares one; `maxBytes` from its `x-max-bytes`. */
  body?: OperationBody;
}

interface Document {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Replaces every `$ref` with what it names (the documents have no cycles). */
function resolve(schema: Schema, doc: Document): Schema {
  if (schema.$ref) {
    const name = decodeURIComponent(schema.$ref.replace(/^#\/components\/schemas\//, ""));
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`OpenAPI document: unresolved ${schema.$ref}`);
    return resolve(target, doc);
  }
  const out: Schema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, doc)]),
    );
  }
  if (schema.items) out.items = resolve(schema.items, doc);
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    if (schema[key]) out[key] = schema[key]!.map((s) => resolve(s, doc));
  }
  return out;
}

/** Every operation under `/api/` and `/public/` (the fleet's API, not its probes). */
export function operationsOf(doc: Document): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!/^\/(api|public)\//.test(path)) continue;
    for (const method of METHODS) {
      const op = item[method] as {
        parameters?: Parameter[];
        requestBody?: {
          required?: boolean;
          content?: Record<string, { schema: Schema }>;
          "x-max-bytes"?: number;
        };
      } | undefined;
      if (!op) continue;
      const json = op.requestBody?.content?.["application/json"];
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p) => ({
          ...p,
          required: p.required ?? false,
          schema: resolve(p.schema ?? {}, doc),
        })),
        body: json
          ? {
            schema: resolve(json.schema, doc),
            required: op.requestBody?.required ?? false,
            maxBytes: op.requestBody?.["x-max-bytes"],
          }
          : undefined,
      });
    }
  }
  return ops;
}
