/**
 * API keys for machines, kept in a JetStream KV bucket: `flt_<id>_<secret>`, 256 random bits
 * of secret, shown once and stored only as its SHA-256 (a key that random needs no slow hash:
 * guessing one is out of reach, and a stolen bucket holds nothing to log in with). Each record
 * has a name, scopes, an optional bound user, when it was created and last used, and whether it
 * is revoked. The gateway mirrors the bucket; `deno task keys` and the gateway's admin routes
 * write it.
 */
import type { KV } from "@nats-io/kv";
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { defineCatalog } from "./catalog.ts";
import { NotFoundError, ValidationError } from "./errors.ts";

export const API_KEYS_BUCKET = "api-keys";

export const apiKeysCatalog = defineCatalog({
  kv: [{
    bucket: API_KEYS_BUCKET,
    description: "API keys by id: SHA-256 of the key, name, scopes, bound user, times, revocation",
    history: 5,
  }],
});

const SCOPE = /^[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)?$/;

export const apiKeyRecordSchema = z.object({
  id: z.string().regex(/^[a-z0-9]{12}$/),
  name: z.string().min(1).max(100),
  scopes: z.array(z.string().regex(SCOPE)).min(1),
  /** The users-service id this key acts for, if bound to one. */
  user: z.string().regex(/^\d{1,18}$/).optional(),
  /** Hex SHA-256 of the whole key. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;

/** What `deno task keys list` and the admin route show: everything but the hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, "hash">;

export function keyInfo({ hash: _hash, ...info }: ApiKeyRecord): ApiKeyInfo {
  return info;
}

const KEY = /^flt_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** The key id of a well-formed key, or undefined. */
export function apiKeyId(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Whether `key` is the one `record` was made for; constant time in the key. */
export function apiKeyMatches(record: ApiKeyRecord, key: string): boolean {
  return timingSafeEqual(Buffer.from(hashApiKey(key), "hex"), Buffer.from(record.hash, "hex"));
}

function mintApiKey(): { id: string; key: string } {
  const random = crypto.getRandomValues(new Uint8Array(12 + 32));
  const id = Array.from(random.subarray(0, 12), (b) => ID_ALPHABET[b % 36]).join("");
  const secret = btoa(String.fromCharCode(...random.subarray(12)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return { id, key: `flt_${id}_${secret}` };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function decodeApiKeyRecord(value: Uint8Array): ApiKeyRecord {
  return apiKeyRecordSchema.parse(JSON.parse(decoder.decode(value)));
}
const encode = (record: ApiKeyRecord) => encoder.encode(JSON.stringify(record));

export interface NewApiKey {
  name: string;
  scopes: string[];
  user?: string;
}

/** Creates a key; the returned `key` is the only time anyone sees it. */
export async function createApiKey(
  kv: KV,
  input: NewApiKey,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const { id, key } = mintApiKey();
  const parsed = apiKeyRecordSchema.safeParse({
    id,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    ...(input.user !== undefined ? { user: input.user } : {}),
    hash: hashApiKey(key),
    created_at: new Date().toISOString(),
    last_used_at: null,
    revoked_at: null,
  });
  if (!parsed.success) {
    throw ValidationError.of(
      "Invalid API key",
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  await kv.create(id, encode(parsed.data));
  return { key, record: parsed.data };
}

export async function findApiKey(
  kv: KV,
  id: string,
): Promise<{ record: ApiKeyRecord; revision: number } | undefined> {
  const entry = await kv.get(id);
  if (!entry || entry.operation !== "PUT") return undefined;
  return { record: decodeApiKeyRecord(entry.value), revision: entry.revision };
}

export async function listApiKeys(kv: KV): Promise<ApiKeyRecord[]> {
  const records: ApiKeyRecord[] = [];
  for await (const id of await kv.keys()) {
    const found = await findApiKey(kv, id);
    if (found) records.push(found.record);
  }
  return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Revokes a key for good (a revoked key stays listed). Compare-and-set, so nothing undoes it. */
export async function revokeApiKey(kv: KV, id: string): Promise<ApiKeyRecord> {
  for (let attempt = 0;; attempt++) {
    const found = await findApiKey(kv, id);
    if (!found) throw new NotFoundError(`No API key with id "${id}"`);
    if (found.record.revoked_at) return found.record;
    const revoked = { ...found.record, revoked_at: new Date().toISOString() };
    try {
      await kv.update(id, encode(revoked), found.revision);
      return revoked;
    } catch (err) {
      if (attempt >= 5) throw err; // someone else keeps writing it
    }
  }
}

/**
 * Records a use, only if the record is still at `revision` (a use never overwrites a
 * revocation); false when it was not.
 */
export async function touchApiKey(
  kv: KV,
  record: ApiKeyRecord,
  revision: number,
  at: Date,
): Promise<boolean> {
  try {
    await kv.update(record.id, encode({ ...record, last_used_at: at.toISOString() }), revision);
    return true;
  } catch {
    return false;
  }
}
