/**
 * `Idempotency-Key` for POSTs, backed by a JetStream KV bucket shared by all replicas.
 * The first request with a key claims it with `kv.create` (create-if-absent, atomic on the
 * server), runs, and stores its response; a retry with the same key and body gets that
 * response again; the same key with another body gets 422; a duplicate that arrives while the
 * first is still running waits for its answer. Responses of 5xx are not stored, so the client
 * may retry. Keys are scoped by principal: one caller's key never finds another caller's
 * stored response.
 */
import type { KV } from "@nats-io/kv";
import type { MiddlewareHandler } from "hono";
import { defineCatalog } from "./catalog.ts";
import type { AppEnv } from "./http/app.ts";
import { identityOf } from "./http/auth.ts";
import { principalKey } from "./http/identity.ts";
import { readBody } from "./http/body.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "./http/input.ts";
import { problem, problemResponse } from "./problem.ts";

export const IDEMPOTENCY_BUCKET = "idempotency";
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export const idempotencyCatalog = defineCatalog({
  kv: [{
    bucket: IDEMPOTENCY_BUCKET,
    description: "Idempotency-Key claims and stored responses, per service, for 24 hours",
    history: 1,
    ttlMs: IDEMPOTENCY_TTL_MS,
  }],
});

interface Pending {
  state: "pending";
  hash: string;
  at: number;
}
interface Done {
  state: "done";
  hash: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}
type Record_ = Pending | Done;

export interface IdempotencyOptions {
  kv: KV;
  service: string;
  /** How long a duplicate waits for the first request to finish. */
  waitMs?: number;
  /** A pending claim older than this belongs to a process that died; it may be taken over. */
  staleMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEPT_HEADERS = ["content-type", "location"];

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  const { kv, service } = options;
  const waitMs = options.waitMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;

  const read = async (k: string) => {
    const entry = await kv.get(k);
    if (!entry || entry.operation !== "PUT") return undefined;
    return { record: JSON.parse(decoder.decode(entry.value)) as Record_, revision: entry.revision };
  };

  const replay = (done: Done) => {
    const headers = new Headers(done.headers);
    headers.set("idempotent-replayed", "true");
    return new Response(done.body, { status: done.status, headers });
  };

  return async function idempotencyKey(c, next) {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return await next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return problemResponse(
        problem(
          400,
          "Invalid request",
          "Idempotency-Key must be 1 to 255 visible ASCII characters",
          c.req.path,
          {
            errors: [{ path: "Idempotency-Key", message: "invalid", in: "header" }],
          },
        ),
      );
    }
    // The bytes as they came (bounded), so the route's input policy still sees them unaltered.
    const body = decoder.decode(await readBody(c));
    const hash = await sha256(`${c.req.method} ${c.req.path}\n${body}`);
    const owner = principalKey(identityOf(c));
    const kvKey = `${service}.${(await sha256(`${owner}\n${key}`)).slice(0, 40)}`;
    const pending = (): Uint8Array =>
      encoder.encode(JSON.stringify({ state: "pending", hash, at: Date.now() } satisfies Pending));

    let claimed = false;
    try {
      await kv.create(kvKey, pending());
      claimed = true;
    } catch {
      // Exists already (or KV trouble, which the reads below will surface).
    }
    if (!claimed) {
      const deadline = Date.now() + waitMs;
      while (true) {
        let current;
        try {
          current = await read(kvKey);
        } catch {
          return problemResponse(
            problem(
              503,
              "Service unavailable",
              "The idempotency store cannot be reached",
              c.req.path,
            ),
          );
        }
        if (!current) {
          // Deleted meanwhile (the first attempt failed with 5xx): try to claim it ourselves.
          try {
            await kv.create(kvKey, pending());
            claimed = true;
            break;
          } catch {
            continue;
          }
        }
        if (current.record.hash !== hash) {
          return problemResponse(
            problem(
              422,
              "Idempotency-Key reused",
              "This Idempotency-Key was already used with a different request",
              c.req.path,
              {
                errors: [{
                  path: "Idempotency-Key",
                  message: "reused with another body",
                  in: "header",
                }],
              },
            ),
          );
        }
        if (current.record.state === "done") return replay(current.record);
        if (Date.now() - current.record.at > staleMs) {
          try {
            await kv.update(kvKey, pending(), current.revision);
            claimed = true;
            break;
          } catch {
            continue; // someone else took it over first
          }
        }
        if (Date.now() > deadline) {
          return problemResponse(
            problem(
              409,
              "Request in progress",
              "A request with this Idempotency-Key is still being processed; retry later",
              c.req.path,
            ),
            { "retry-after": "1" },
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    await next();
    const res = c.res;
    try {
      if (res.status >= 500) {
        await kv.delete(kvKey);
        return;
      }
      const stored = await res.clone().text();
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const v = res.headers.get(name);
        if (v !== null) headers[name] = v;
      }
      const done: Done = { state: "done", hash, status: res.status, headers, body: stored };
      await kv.put(kvKey, encoder.encode(JSON.stringify(done)));
    } catch (err) {
      c.get("logger")?.warn("could not store idempotent response", { error: String(err) });
    }
  };
}
