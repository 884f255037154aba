/**
 * The BFF of the original gateway, same contract: `POST /public/users`, `POST /public/listings`
 * (the user must exist first) and `GET /public/listings` (served from listing-view). Errors are
 * problem+json that also carry the original `result: false, error`. The search stays public;
 * the two writes need `listings:write` (anyone could create users and listings otherwise), and
 * go upstream as the caller, so a key bound to a user creates listings for that user only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type AppEnv,
  createRouter,
  decimalId,
  idNumber,
  jsonBody,
  jsonContent,
  problem,
  PROBLEM_CONTENT_TYPE,
  problemResponse,
  publicRoute,
  requires,
  safeText,
} from "@flotilla/backbone";
import { pageQueryShape, userNameSchema } from "@flotilla/contracts";
import { forwardContext, type ForwardDeps } from "./client.ts";
import { type HeaderList, upstreamRequestHeaders } from "../domain/forwarding.ts";
import { relay } from "./proxy.ts";
import { type Upstream, UpstreamFailure } from "../adapters/upstream.ts";

export interface PublicDeps extends ForwardDeps {
  users: Upstream;
  listings: Upstream;
  listingView: Upstream;
}

const userId = idNumber().openapi({ description: "The user's id", example: 1 });

const User = z.object({
  id: userId,
  name: z.string(),
  created_at: z.union([z.number(), z.string()]).optional(),
  updated_at: z.union([z.number(), z.string()]).optional(),
}).passthrough().openapi("PublicUser");

const Listing = z.object({
  id: z.number().int(),
  user_id: userId.optional(),
  listing_type: z.enum(["rent", "sale"]),
  price: z.number().int(),
  created_at: z.union([z.number(), z.string()]).optional(),
  updated_at: z.union([z.number(), z.string()]).optional(),
  user: User.optional(),
}).passthrough().openapi("PublicListing");

const ErrorBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  result: z.literal(false).optional(),
  error: z.string().optional(),
}).openapi("PublicProblem");

/** Problem content of the public routes: the BFF's body keeps the original `result` and `error`. */
const publicProblemContent = { "application/problem+json": { schema: ErrorBody } };

const createUser = createRoute({
  method: "post",
  path: "/public/users",
  ...requires("listings:write"),
  tags: ["public"],
  summary: "Create a user",
  request: { body: jsonBody(z.object({ name: userNameSchema })) },
  responses: {
    200: {
      description: "Created",
      content: jsonContent(z.object({ result: z.boolean(), user: User })),
    },
    400: { description: "Invalid request", content: publicProblemContent },
    503: { description: "users is unavailable", content: publicProblemContent },
  },
});

const createListing = createRoute({
  method: "post",
  path: "/public/listings",
  // It reads the user first, then writes the listing.
  ...requires("listings:read", "listings:write"),
  tags: ["public"],
  summary: "Create a listing for an existing user",
  request: {
    body: jsonBody(z.object({
      user_id: userId,
      listing_type: z.enum(["rent", "sale"]),
      price: z.number().int().min(1),
    })),
  },
  responses: {
    200: {
      description: "Created",
      content: jsonContent(z.object({ result: z.boolean(), listing: Listing })),
    },
    400: { description: "Invalid request", content: publicProblemContent },
    404: { description: "The user does not exist", content: publicProblemContent },
    503: { description: "users or listings is unavailable", content: publicProblemContent },
  },
});

/** As the original: a user_id that is not a user id (empty, 0, abc) is ignored, not refused. */
const lenientUserId = safeText({ max: 64 }).optional()
  .transform((v) => {
    const id = decimalId().safeParse(v);
    return id.success ? id.data : undefined;
  })
  .openapi({ description: "Only this user's listings; ignored unless it is a user id" });

const listListings = createRoute({
  method: "get",
  path: "/public/listings",
  ...publicRoute(),
  tags: ["public"],
  summary: "Listings with their user, newest first (from listing-view)",
  request: {
    query: z.object({ ...pageQueryShape, user_id: lenientUserId }),
  },
  responses: {
    200: {
      description: "Listings",
      content: jsonContent(z.object({ result: z.literal(true), listings: z.array(Listing) })),
    },
    400: { description: "Invalid request", content: publicProblemContent },
    503: { description: "listing-view is unavailable", content: publicProblemContent },
  },
});

/** The original clients read `result` and `error`; problem+json carries both as extensions. */
function failure(status: number, title: string, detail: string, instance: string): Response {
  return problemResponse(
    problem(status, title, detail, instance, { result: false, error: detail }),
  );
}

/** The client's headers for a JSON call of the BFF (the body is the gateway's, not the client's). */
async function jsonHeaders(
  c: Context<AppEnv>,
  deps: PublicDeps,
  upstream: Upstream,
  withBody: boolean,
): Promise<HeaderList> {
  const replaced = ["content-length", "content-type", "accept"];
  if (!withBody) replaced.push("idempotency-key");
  const headers = upstreamRequestHeaders(
    c.req.raw.headers,
    await forwardContext(c, deps, upstream.name),
  ).filter(([name]) => !replaced.includes(name));
  if (withBody) headers.push(["content-type", "application/json"]);
  headers.push(["accept", "application/json"]);
  return headers;
}

/** The entity from an upstream answer, whether it is wrapped (`{"user": {...}}`) or not. */
async function entity(res: Response, key: string): Promise<unknown> {
  const body = await res.json() as Record<string, unknown>;
  return body && typeof body === "object" && key in body ? body[key] : body;
}

/**
 * Runs a handler, turning an UpstreamFailure into its problem. Typed as `never` because relayed
 * upstream answers are raw Responses, outside the route's typed responses.
 */
async function guarded(c: Context<AppEnv>, run: () => Promise<Response>): Promise<never> {
  return await attempt(c, run) as never;
}

async function attempt(c: Context<AppEnv>, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UpstreamFailure) return await relayFailure(err.toResponse(c.req.path));
    throw err;
  }
}

/** An upstream's failure as the original BFF answered: a problem that says `result: false, error`. */
async function relayFailure(res: Response): Promise<Response> {
  relay(res);
  if (!res.headers.get("content-type")?.startsWith(PROBLEM_CONTENT_TYPE)) return res;
  const doc = await res.json();
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return problemResponse({ ...doc, result: false, error: doc.error ?? doc.detail }, headers);
}

export function publicRoutes(deps: PublicDeps) {
  const router = createRouter({ compat: "result" });

  router.openapi(createUser, (c) =>
    guarded(c, async () => {
      const res = await deps.users.send("/api/v1/users", {
        method: "POST",
        headers: await jsonHeaders(c, deps, deps.users, true),
        body: JSON.stringify(c.req.valid("json")),
      });
      if (!res.ok) return relayFailure(res);
      return c.json({ result: true, user: await entity(res, "user") }, 200);
    }));

  router.openapi(createListing, (c) =>
    guarded(c, async () => {
      const body = c.req.valid("json");
      const found = await deps.users.send(
        `/api/v1/users/${encodeURIComponent(String(body.user_id))}`,
        { method: "GET", headers: await jsonHeaders(c, deps, deps.users, false) },
      );
      if (found.status === 404) {
        await found.body?.cancel();
        return failure(404, "Not found", `User ${body.user_id} not found`, c.req.path);
      }
      if (!found.ok) return relayFailure(found);
      await found.body?.cancel();
      const res = await deps.listings.send("/api/v1/listings", {
        method: "POST",
        headers: await jsonHeaders(c, deps, deps.listings, true),
        body: JSON.stringify(body),
      });
      if (!res.ok) return relayFailure(res);
      return c.json({ result: true, listing: await entity(res, "listing") }, 200);
    }));

  router.openapi(listListings, (c) =>
    guarded(c, async () => {
      const query = new URLSearchParams(new URL(c.req.url).search);
      const valid = c.req.valid("query");
      query.set("page_num", String(valid.page_num));
      query.set("page_size", String(valid.page_size));
      query.delete("user_id");
      if (valid.user_id !== undefined) query.set("user_id", String(valid.user_id));
      const res = await deps.listingView.send(`/api/v1/listing-view?${query}`, {
        method: "GET",
        headers: await jsonHeaders(c, deps, deps.listingView, false),
      });
      return res.ok ? relay(res) : relayFailure(res);
    }));

  return router;
}
