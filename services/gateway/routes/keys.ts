/**
 * `/api/v1/keys`: API key management for `admin` principals, over the same bucket as
 * `deno task keys`. A new key is in the creation's answer and nowhere else, ever.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { KV } from "@nats-io/kv";
import {
  createApiKey,
  createRouter,
  jsonContent,
  keyInfo,
  listApiKeys,
  problemResponseSpec,
  requires,
  revokeApiKey,
} from "@flotilla/backbone";
import { ALL_SCOPES, isScope } from "@flotilla/contracts";

const KeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  user: z.string().optional(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
}).openapi("ApiKey");

const NewKey = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(
    z.string().refine(isScope, { error: `expected one of ${ALL_SCOPES.join(", ")}` }),
  ).min(1),
  user: z.coerce.number().int().positive().transform(String).optional().openapi({
    description: "A users-service id: the key then acts for that user only",
    type: "integer",
  }),
});

const idParam = z.object({
  id: z.string().regex(/^[a-z0-9]{12}$/, "a key id is 12 letters or digits").openapi({
    param: { name: "id", in: "path" },
  }),
});

export function keyRoutes(kv: KV) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "post",
      path: "/",
      ...requires("admin"),
      tags: ["keys"],
      summary: "Create an API key; the key itself is in this answer only",
      request: { body: { required: true, content: jsonContent(NewKey) } },
      responses: {
        201: {
          description: "Created",
          content: jsonContent(KeyInfo.extend({ key: z.string() })),
        },
        400: problemResponseSpec("Invalid request"),
      },
    }),
    async (c) => {
      const { key, record } = await createApiKey(kv, c.req.valid("json"));
      return c.json({ ...keyInfo(record), key }, 201);
    },
  );
  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      ...requires("admin"),
      tags: ["keys"],
      summary: "Every API key (never the key itself), oldest first",
      responses: { 200: { description: "Keys", content: jsonContent(z.array(KeyInfo)) } },
    }),
    async (c) => c.json((await listApiKeys(kv)).map(keyInfo), 200),
  );
  router.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      ...requires("admin"),
      tags: ["keys"],
      summary: "Revoke an API key (for good; it stays listed)",
      request: { params: idParam },
      responses: {
        200: { description: "Revoked", content: jsonContent(KeyInfo) },
        404: problemResponseSpec("No such key"),
      },
    }),
    async (c) => c.json(keyInfo(await revokeApiKey(kv, c.req.valid("param").id)), 200),
  );
  return router;
}
