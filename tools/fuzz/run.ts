/**
 * The fuzz run: every operation of the fleet's OpenAPI document gets its share of requests
 * (property-based, seeded per operation), each judged as it comes back; every service must
 * keep answering /healthz; at the end no accepted request may have produced a dead letter.
 */
import fc from "fast-check";
import type { NatsConnection } from "@nats-io/transport";
import { bodyBytes } from "./curl.ts";
import { type Operation, operationsOf } from "./openapi.ts";
import type { FuzzRequest } from "./requests.ts";
import { requestsFor } from "./requests.ts";
import { deadLettersAfter, settle } from "./streams.ts";

export interface FuzzOptions {
  /** The gateway's base URL. */
  gateway: string;
  /** Sent with every request (a credential goes here). */
  headers: Record<string, string>;
  seed: number;
  /** Requests in all, shared evenly by the operations. */
  runs: number;
  /** Only operations whose id (`GET /api/v1/users/{id}`) contains this. */
  only?: string;
  /** Base URLs that must keep answering /healthz, by name. */
  health: Record<string, string>;
  /** A NATS connection to the fleet's server, for the dead-letter stream. */
  nats: NatsConnection;
  log?: (line: string) => void;
}

export interface Finding {
  request: FuzzRequest;
  problem: string;
  /** The answer's status and the start of its body, when there was one. */
  status?: number;
  answer?: string;
}

export interface FuzzReport {
  operations: number;
  requests: number;
  /** Requests by answer class (`2xx`, `4xx`, …) and how many were malformed on purpose. */
  answers: Record<string, number>;
  malformed: number;
  findings: Finding[];
  seconds: number;
}

const PROBLEM_JSON = "application/problem+json";

/** What is wrong with an answer to `req`, or undefined. */
export function judge(req: FuzzRequest, status: number, contentType: string): string | undefined {
  if (status >= 500) return `answered ${status}`;
  if (req.invalid && status < 400) return `accepted invalid input (${req.invalid}): ${status}`;
  if (status >= 400 && !contentType.startsWith(PROBLEM_JSON)) {
    return `answered ${status} as ${contentType || "no content type"}, not ${PROBLEM_JSON}`;
  }
  return undefined;
}

/** A stable 32-bit seed per operation, so `--only` replays the same requests. */
function operationSeed(seed: number, op: Operation): number {
  let h = seed | 0;
  for (const ch of op.id) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const docRes = await fetch(`${options.gateway}/openapi.json`, { headers: options.headers });
  if (!docRes.ok) throw new Error(`GET /openapi.json answered ${docRes.status}`);
  const ops = operationsOf(await docRes.json())
    .filter((op) => !options.only || op.id.includes(options.only));
  if (ops.length === 0) throw new Error(`no operation matches ${options.only}`);
  const perOperation = Math.max(1, Math.ceil(options.runs / ops.length));
  const findings: Finding[] = [];
  const accepted = new Map<string, FuzzRequest>();
  const before = (await deadLettersAfter(options.nats, 0)).at(-1)?.seq ?? 0;
  let sent = 0;
  let malformed = 0;
  const answers: Record<string, number> = {};

  const probe = async (req: FuzzRequest): Promise<Finding | undefined> => {
    const correlation = `fuzz-${options.seed}-${++sent}`;
    if (req.invalid) malformed++;
    let res: Response;
    try {
      res = await fetch(options.gateway + req.target, {
        method: req.method,
        headers: { ...options.headers, ...req.headers, "x-correlation-id": correlation },
        body: req.body ? bodyBytes(req.body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      return { request: req, problem: `no answer: ${err instanceof Error ? err.message : err}` };
    }
    const answer = (await res.text()).slice(0, 400);
    const kind = `${String(res.status)[0]}xx`;
    answers[kind] = (answers[kind] ?? 0) + 1;
    const problem = judge(req, res.status, res.headers.get("content-type") ?? "");
    if (res.ok && req.method !== "GET") accepted.set(correlation, req);
    return problem ? { request: req, problem, status: res.status, answer } : undefined;
  };

  for (const op of ops) {
    let found: Finding | undefined;
    const details = await fc.check(
      fc.asyncProperty(requestsFor(op), async (req) => {
        const finding = await probe(req);
        if (finding) found = finding;
        return finding === undefined;
      }),
      { seed: operationSeed(options.seed, op), numRuns: perOperation },
    );
    if (details.failed && found) findings.push(found);
    const down = await unhealthy(options.health);
    for (const name of down) {
      findings.push({
        request: { op: op.id, method: "GET", target: "/healthz", headers: {} },
        problem: `${name} stopped answering /healthz after ${op.id}`,
      });
    }
    log(`${op.id}: ${details.numRuns} runs${details.failed ? ", FINDING" : ""}`);
  }

  if (!await settle(options.nats, 30_000)) log("the streams did not settle within 30 s");
  // One finding per consumer and reason, with the first request that caused it.
  const dead = new Map<string, { finding: Finding; count: number }>();
  for (const letter of await deadLettersAfter(options.nats, before)) {
    const problem = `accepted, then dead-lettered by ${letter.consumer}: ${letter.reason}`;
    const seen = dead.get(problem);
    if (seen) seen.count++;
    else {
      const request = accepted.get(letter.correlationId) ??
        { op: "unknown request", method: "?", target: letter.correlationId, headers: {} };
      dead.set(problem, { finding: { request, problem }, count: 1 });
    }
  }
  for (const { finding, count } of dead.values()) {
    findings.push(
      count === 1 ? finding : { ...finding, problem: `${finding.problem} (${count} times)` },
    );
  }
  return {
    operations: ops.length,
    requests: sent,
    answers,
    malformed,
    findings,
    seconds: (performance.now() - started) / 1000,
  };
}

async function unhealthy(health: Record<string, string>): Promise<string[]> {
  const down: string[] = [];
  await Promise.all(
    Object.entries(health).map(async ([name, url]) => {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await res.body?.cancel();
        if (!res.ok) down.push(name);
      } catch {
        down.push(name);
      }
    }),
  );
  return down;
}
