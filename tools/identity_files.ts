/**
 * The identity secrets `deno task dev` keeps under .data/ (mode 0600, made on first start):
 * the gateway's Ed25519 key pair, and the operator's API key, printed once when it is made.
 */
import type { NatsConnection } from "@nats-io/transport";
import { Kvm } from "@nats-io/kv";
import {
  API_KEYS_BUCKET,
  apiKeyId,
  createApiKey,
  findApiKey,
  generateIdentityKeys,
} from "@flotilla/backbone";
import { ALL_SCOPES } from "@flotilla/contracts";

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

async function writeSecret(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600); // the mode above applies to new files only
}

/** The gateway's key pair in `dir`, made if missing: base64 DER, as the variables take them. */
export async function identityKeys(
  dir: string,
): Promise<{ publicKey: string; signingKey: string; created: boolean }> {
  const signingPath = `${dir}/gateway-signing.key`;
  const publicPath = `${dir}/gateway-public.key`;
  if (await exists(signingPath) && await exists(publicPath)) {
    return {
      signingKey: (await Deno.readTextFile(signingPath)).trim(),
      publicKey: (await Deno.readTextFile(publicPath)).trim(),
      created: false,
    };
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = await generateIdentityKeys();
  await writeSecret(signingPath, keys.signingKey + "\n");
  await Deno.writeTextFile(publicPath, keys.publicKey + "\n");
  return { ...keys, created: true };
}

/**
 * The operator's key (every scope, `admin` included) from `path`, or a new one when the file is
 * missing or its key is not in the bucket (a fresh NATS); `created` says it was just made.
 * `nc` is the admin's, after the provision step (which makes the bucket).
 */
export async function operatorKey(
  nc: NatsConnection,
  path: string,
): Promise<{ key: string; created: boolean }> {
  const kv = await new Kvm(nc).open(API_KEYS_BUCKET);
  if (await exists(path)) {
    const key = (await Deno.readTextFile(path)).trim();
    const id = apiKeyId(key);
    const found = id && await findApiKey(kv, id);
    if (found && !found.record.revoked_at) return { key, created: false };
  }
  const { key } = await createApiKey(kv, { name: "operator", scopes: [...ALL_SCOPES] });
  await writeSecret(path, key + "\n");
  return { key, created: true };
}
