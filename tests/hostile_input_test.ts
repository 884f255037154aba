/**
 * Hostile input against the whole fleet, through the gateway, one class at a time: every
 * operation of the merged OpenAPI document (the BFF's /public routes included) is walked, and
 * each malformed request must be a 4xx problem+json naming the field. Then the seed contracts'
 * own answers, and the rule that nothing accepted is lost downstream (no dead letter).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_BODY_BYTES } from "@flotilla/backbone";
import { eventually } from "@flotilla/testkit";
import { startFleet } from "../tools/fuzz/fleet.ts";
import { createFixtures } from "../tools/fuzz/fixtures.ts";
import { type Operation, operationsOf, type Schema } from "../tools/fuzz/openapi.ts";
import { places, setAt } from "../tools/fuzz/requests.ts";
import { hostileParams, UNSTORABLE_TEXT } from "../tools/fuzz/values.ts";
import { deadLettersAfter, settle } from "../tools/fuzz/streams.ts";

interface Answer {
  status: number;
  type: string;
  // deno-lint-ignore no-explicit-any -- a problem document or a resource, read field by field
  doc: any;
}

/** A value of the parameter that is not the point of the request. */
function ordinary(schema: Schema): string {
  if (schema.type === "integer") return "1";
  if (schema.format === "uuid") return "00000000-0000-4000-8000-000000000000";
  if (schema.enum) return String(schema.enum[0]);
  if (schema.pattern) return fc.sample(fc.stringMatching(new RegExp(schema.pattern)), 1)[0];
  return "x";
}

/** The operation's URL with `name` (path or query) set to `value`, every other path parameter ordinary. */
function target(op: Operation, name?: string, value?: string): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, p: string) => {
    if (p === name) return value!;
    return ordinary(op.params.find((x) => x.name === p)!.schema);
  });
  const inQuery = op.params.some((p) => p.name === name && p.in === "query");
  return inQuery ? `${path}?${encodeURIComponent(name!)}=${value}` : path;
}

/** "400 naming `field`", or what was wrong. */
function refusal(answer: Answer, field: string, status = 400): string | undefined {
  if (answer.status !== status) return `answered ${answer.status}: ${JSON.stringify(answer.doc)}`;
  if (answer.type !== "application/problem+json") return `answered as ${answer.type}`;
  if (status !== 400) return undefined;
  const named = (answer.doc.errors ?? []).some((e: { path: string }) => e.path === field);
  return named ? undefined : `did not name ${field}: ${JSON.stringify(answer.doc.errors)}`;
}

Deno.test({
  name: "hostile input through the gateway: every class refused on every operation, nothing lost",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using fleet = await startFleet();
    await createFixtures(fleet.gateway, fleet.headers);
    const nats = await fleet.connect();
    const docRes = await fetch(`${fleet.gateway}/openapi.json`, { headers: fleet.headers });
    const ops = operationsOf(await docRes.json());
    const withBody = ops.filter((op) => op.body);
    assert.ok(ops.length >= 40 && withBody.length >= 10, `${ops.length} operations`);

    const send = async (
      method: string,
      url: string,
      init: { headers?: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> } = {},
    ): Promise<Answer> => {
      const res = await fetch(fleet.gateway + url, {
        method,
        headers: { ...fleet.headers, ...init.headers },
        body: init.body,
      });
      const text = await res.text();
      let doc: unknown = text;
      try {
        doc = JSON.parse(text);
      } catch { /* not JSON: kept as text */ }
      return { status: res.status, type: res.headers.get("content-type") ?? "", doc };
    };
    const json = (method: string, url: string, value: unknown, headers = {}) =>
      send(method, url, {
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(value),
      });
    /** Runs every case and fails once with the list of those that went wrong. */
    const expectAll = async (cases: [string, () => Promise<string | undefined>][]) => {
      const wrong: string[] = [];
      for (const [what, check] of cases) {
        const problem = await check();
        if (problem) wrong.push(`${what}: ${problem}`);
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} cases went wrong`);
      return cases.length;
    };

    await t.step(
      "ids, counts, offsets and pages: out of range or not canonical is a 400 naming the parameter",
      async () => {
        const cases: [string, () => Promise<string | undefined>][] = [];
        for (const op of ops) {
          for (
            const p of op.params.filter((x) => x.schema.type === "integer" && x.in !== "header")
          ) {
            for (const bad of hostileParams(p.schema, p.in === "query")) {
              const url = target(op, p.name, bad.value);
              cases.push([
                `${op.method} ${url} (${bad.why})`,
                async () => refusal(await send(op.method, url), p.name),
              ]);
            }
          }
          for (const [path, s] of places(op.body?.schema ?? {})) {
            if (s.type !== "integer" || s.maximum === undefined) continue;
            const field = path.join(".");
            for (const value of [s.maximum + 1, 0, 1.5, "1"]) {
              const url = target(op);
              cases.push([
                `${op.method} ${url} {${field}: ${JSON.stringify(value)}}`,
                async () => refusal(await json(op.method, url, setAt({}, path, value)), field),
              ]);
            }
          }
        }
        const count = await expectAll(cases);
        assert.ok(count > 300, `${count} cases`);
      },
    );

    await t.step(
      "NUL, lone surrogates and invalid UTF-8 in any text field are a 400 naming it",
      async () => {
        const undecodable = ["%00", "a%00b", "%FF", "%C0%80", "%ED%A0%80"];
        const cases: [string, () => Promise<string | undefined>][] = [];
        for (const op of ops) {
          for (
            const p of op.params.filter((x) => x.schema.type === "string" && x.in !== "header")
          ) {
            for (const bad of undecodable) {
              const url = target(op, p.name, bad);
              cases.push([
                `${op.method} ${url}`,
                async () => refusal(await send(op.method, url), p.name),
              ]);
            }
          }
          if (!op.body) {
            continue;
          }
          for (const [path, s] of places(op.body.schema)) {
            if (s.type !== "string") continue;
            for (const bad of UNSTORABLE_TEXT) {
              const field = path.join(".");
              cases.push([
                `${op.id} ${field}: ${bad.why}`,
                async () =>
                  refusal(await json(op.method, target(op), setAt({}, path, bad.value)), field),
              ]);
            }
          }
          const invalidUtf8 = new Uint8Array([
            ...new TextEncoder().encode('{"name":"'),
            0xff,
            0x22,
            0x7d,
          ]);
          // With an Idempotency-Key too: its middleware reads the body before the route does.
          for (const key of [undefined, `utf8-${op.method}-${op.path}`]) {
            cases.push([`${op.id} with invalid UTF-8 (Idempotency-Key ${key})`, async () =>
              refusal(
                await send(op.method, target(op), {
                  headers: {
                    "content-type": "application/json",
                    ...(key ? { "idempotency-key": key } : {}),
                  },
                  body: invalidUtf8,
                }),
                "body",
              )]);
          }
        }
        const count = await expectAll(cases);
        assert.ok(count > 150, `${count} cases`);
      },
    );

    await t.step("every operation with a body refuses an absent or empty one", async () => {
      const cases: [string, () => Promise<string | undefined>][] = [];
      for (const op of withBody) {
        const url = target(op);
        cases.push([`${op.id} with no body and no Content-Type`, async () => {
          const answer = await send(op.method, url);
          // The one optional body (an export of everything) is accepted without one.
          if (!op.body!.required) {
            return answer.status < 300 ? undefined : `answered ${answer.status}`;
          }
          return refusal(answer, "body");
        }]);
        for (const body of ["", "[]", "null", '{"name":']) {
          cases.push([`${op.id} with the body ${JSON.stringify(body)}`, async () =>
            refusal(
              await send(op.method, url, { headers: { "content-type": "application/json" }, body }),
              "body",
            )]);
        }
      }
      await expectAll(cases);
    });

    await t.step(
      "bodies past their route's limit are 413; Idempotency-Key is bounded everywhere",
      async () => {
        const cases: [string, () => Promise<string | undefined>][] = [];
        for (const op of withBody) {
          for (const limit of new Set([op.body!.maxBytes ?? MAX_BODY_BYTES, MAX_BODY_BYTES])) {
            const body = `{"pad":"${"a".repeat(limit)}"}`;
            cases.push([`${op.id} with ${body.length} bytes`, async () =>
              refusal(
                await send(op.method, target(op), {
                  headers: { "content-type": "application/json" },
                  body,
                }),
                "body",
                413,
              )]);
          }
        }
        for (const op of ops) {
          for (const key of ["k".repeat(256), "k".repeat(4096), "two words", "caf\u00e9"]) {
            cases.push([
              `${op.id} with a ${key.length}-character Idempotency-Key`,
              async () =>
                refusal(
                  await send(op.method, target(op), { headers: { "idempotency-key": key } }),
                  "Idempotency-Key",
                ),
            ]);
          }
        }
        await expectAll(cases);
      },
    );

    await t.step(
      "the seed contracts' answers: result/error members, and user_id ignored when not an id",
      async () => {
        for (const body of ['{"name":', "{}", JSON.stringify({ name: "\ud800" })]) {
          const res = await send("POST", "/public/users", {
            headers: { "content-type": "application/json" },
            body,
          });
          assert.equal(res.status, 400, body);
          assert.equal(res.doc.result, false);
          assert.equal(typeof res.doc.error, "string");
        }
        const tooBig = await json("POST", "/public/listings", {
          user_id: 987654321987,
          listing_type: "rent",
          price: 10,
        });
        assert.equal(refusal(tooBig, "user_id"), undefined);
        assert.equal(tooBig.doc.result, false);
        for (const path of ["/api/v1/accounts", "/api/v1/transactions"]) {
          const res = await send("POST", path, {
            headers: { "content-type": "application/json" },
            body: "{",
          });
          assert.equal(res.status, 400);
          assert.match(res.doc.error, /not valid JSON/);
        }
        const all = await eventually("the fixtures' listings in the view", async () => {
          const page = await send("GET", "/public/listings?page_size=100");
          return page.doc.listings?.length >= 3 ? page.doc.listings.length : undefined;
        });
        for (const userId of ["", "0", "abc", "-1", "2147483648"]) {
          const res = await send("GET", `/public/listings?page_size=100&user_id=${userId}`);
          assert.equal(res.status, 200, `user_id=${userId}: ${JSON.stringify(res.doc)}`);
          assert.equal(res.doc.result, true);
          assert.equal(res.doc.listings.length, all, `user_id=${userId} lists everything`);
        }
      },
    );

    await t.step(
      "what would be lost downstream is refused; what is accepted is stored by every consumer",
      async () => {
        const renamed = await json("PATCH", "/api/v1/users/1", { name: "\ud800" });
        assert.equal(refusal(renamed, "name"), undefined);
        const exported = await json("POST", "/api/v1/audit-logs/exports", { actor_id: "\ud800" });
        assert.equal(refusal(exported, "actor_id"), undefined);
        // Hard but valid: astral characters at the length limit, controls, separators, escapes.
        const names = [
          "🙂".repeat(100),
          "Ada\tLovelace\u2028\u2029\u202e",
          'quote " backslash \\ literal \\u0000 and \\ud800',
          "\ud83d\ude00 paired surrogates",
        ];
        for (const name of names) {
          const res = await json("PATCH", "/api/v1/users/2", { name });
          assert.equal(res.status, 200, JSON.stringify(res.doc));
        }
        const client = await json("POST", "/api/v1/clients", {
          phone: "79000000077",
          timezone: "Asia/Tokyo",
          tag: "🙂\u0001\u007f",
        });
        assert.equal(client.status, 201, JSON.stringify(client.doc));
        const last = names.at(-1)!.trim();
        await eventually("the last name in the view and the audit log", async () => {
          const view = await send("GET", "/api/v1/listing-view?user_id=2");
          const logs = await send("GET", "/api/v1/audit-logs?target_type=user&target_id=2");
          return view.doc.listings?.[0]?.user.name === last &&
            logs.doc.data?.some((l: { changes: { after: { name?: string } } }) =>
              l.changes.after?.name === last
            );
        });
        assert.ok(await settle(nats, 30_000), "the streams settle");
        assert.deepEqual(await deadLettersAfter(nats, 0), [], "no dead letter");
      },
    );
  },
});
