/**
 * The fleet's API in one document: every upstream's /openapi.json, fetched when asked (as the
 * gateway itself, with a token it signs for that upstream) with a short time limit and reused
 * for a few seconds, merged with the gateway's own. An upstream that is down or not configured
 * is listed as unavailable instead of failing the page.
 */
import {
  type IdentitySigner,
  type OpenApiDocument,
  type ReadinessReport,
  type RequestIdentity,
} from "@flotilla/backbone";
import { mergeOpenApi, type UpstreamDoc } from "../domain/openapi_merge.ts";
import { matchRoute, type Route } from "../domain/routes.ts";
import type { Upstream } from "./upstream.ts";

export interface ApiDocsOptions {
  upstreams: ReadonlyMap<string, Upstream>;
  routes: readonly Route[];
  timeoutMs: number;
  cacheMs: number;
  signer: IdentitySigner;
  now?: () => number;
}

/** The gateway acting for itself, not for a client. */
const GATEWAY: RequestIdentity = {
  principal: { type: "service", id: "gateway", name: "gateway", scopes: [] },
  ip: null,
  userAgent: null,
};

export class ApiDocs {
  readonly #options: ApiDocsOptions;
  #cached: { doc: OpenApiDocument; at: number } | undefined;
  #pending: Promise<OpenApiDocument> | undefined;

  constructor(options: ApiDocsOptions) {
    this.#options = options;
  }

  /** The merged document with the gateway's `own`; concurrent callers share one round of fetches. */
  document(own: () => OpenApiDocument): Promise<OpenApiDocument> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#cached && now - this.#cached.at < this.#options.cacheMs) {
      return Promise.resolve(this.#cached.doc);
    }
    this.#pending ??= this.#build(own).then((doc) => {
      this.#cached = { doc, at: (this.#options.now ?? Date.now)() };
      return doc;
    }).finally(() => this.#pending = undefined);
    return this.#pending;
  }

  async #build(own: () => OpenApiDocument): Promise<OpenApiDocument> {
    const { upstreams, routes } = this.#options;
    const parts = await Promise.all([...upstreams.values()].map((u) => this.#fetch(u)));
    return mergeOpenApi(own(), parts, {
      title: "Flotilla API (through the gateway)",
      routes: (upstream, path) => matchRoute(routes, path)?.upstream === upstream,
    });
  }

  async #fetch(upstream: Upstream): Promise<UpstreamDoc> {
    if (!upstream.configured) return { upstream: upstream.name, unavailable: "not configured" };
    try {
      const token = await this.#options.signer.sign(GATEWAY, upstream.name);
      const res = await upstream.probe("/openapi.json", this.#options.timeoutMs, {
        authorization: `Bearer ${token}`,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return { upstream: upstream.name, unavailable: `answered ${res.status}` };
      }
      return { upstream: upstream.name, doc: await res.json() as OpenApiDocument };
    } catch (err) {
      const reason = err instanceof DOMException && err.name === "TimeoutError"
        ? `no answer within ${this.#options.timeoutMs} ms`
        : /refused/i.test(String(err) + String((err as Error)?.cause ?? ""))
        ? "connection refused"
        : "unreachable";
      return { upstream: upstream.name, unavailable: reason };
    }
  }
}

export type UpstreamReadiness = "up" | "down" | "not_configured";

/**
 * Each upstream's own /readyz, asked directly (not through its breaker), and its circuit.
 * The gateway is ready while at least one upstream is: one service down must not take the
 * entry point away.
 */
export async function upstreamReadiness(
  upstreams: ReadonlyMap<string, Upstream>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const checks: Record<string, UpstreamReadiness> = {};
  const circuits: Record<string, string> = {};
  await Promise.all([...upstreams.values()].map(async (u) => {
    circuits[u.name] = u.circuit;
    if (!u.configured) {
      checks[u.name] = "not_configured";
      return;
    }
    try {
      const res = await u.probe("/readyz", timeoutMs);
      await res.body?.cancel();
      checks[u.name] = res.ok ? "up" : "down";
    } catch {
      checks[u.name] = "down";
    }
  }));
  const states = Object.values(checks);
  const configured = states.filter((s) => s !== "not_configured");
  const status = configured.length > 0 && configured.every((s) => s === "up")
    ? "ready"
    : configured.some((s) => s === "up")
    ? "degraded"
    : "unavailable";
  return { status, checks, circuits };
}
