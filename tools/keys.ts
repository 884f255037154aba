/**
 * `deno task keys`: API keys in the fleet's bucket, straight over NATS as the admin
 * (tools/admin.ts: NATS_URL and NATS_NKEY_FILE, or the credentials `deno task dev` keeps under
 * .data/), for whoever runs the fleet.
 *
 *   deno task keys create --name NAME --scopes a,b[,…]|all [--user USER_ID]
 *   deno task keys list
 *   deno task keys revoke KEY_ID
 *   deno task keys identity [DIR]   the gateway's Ed25519 key pair (made if missing; .data/identity)
 *
 * A new key is printed once and stored only as its SHA-256.
 */
import { Kvm } from "@nats-io/kv";
import {
  API_KEYS_BUCKET,
  apiKeysCatalog,
  createApiKey,
  keyInfo,
  listApiKeys,
  provision,
  revokeApiKey,
} from "@flotilla/backbone";
import { ALL_SCOPES, isScope } from "@flotilla/contracts";
import { connectAdminNats } from "./admin.ts";
import { identityKeys } from "./identity_files.ts";

const USAGE = `usage:
  deno task keys create --name NAME --scopes a,b|all [--user USER_ID]
  deno task keys list
  deno task keys revoke KEY_ID
  deno task keys identity [DIR]
scopes: ${ALL_SCOPES.join(", ")}`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  Deno.exit(2);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) fail(`--${name} needs a value`);
  return value;
}

function scopesFrom(text: string | undefined): string[] {
  if (!text) fail("--scopes is required");
  if (text === "all") return [...ALL_SCOPES];
  const scopes = text.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) fail(`unknown scope: ${unknown.join(", ")}`);
  return scopes;
}

const [command, ...args] = Deno.args;
if (command === "identity") {
  const root = new URL("..", import.meta.url).pathname;
  const dir = args[0] ?? `${root}.data/identity`;
  const keys = await identityKeys(dir);
  console.log(`# ${keys.created ? "made" : "kept"} in ${dir} (the signing key is mode 0600)`);
  console.log(`IDENTITY_PUBLIC_KEY=${keys.publicKey}   # every service`);
  console.log(`IDENTITY_SIGNING_KEY=$(cat ${dir}/gateway-signing.key)   # the gateway only`);
  Deno.exit(0);
}
if (!["create", "list", "revoke"].includes(command)) fail(`unknown command: ${command ?? ""}`);

const nc = await connectAdminNats("keys").catch((err) => {
  console.error(`Cannot connect to NATS as the admin: ${err.message}`);
  Deno.exit(1);
});
try {
  await provision(nc, apiKeysCatalog);
  const kv = await new Kvm(nc).open(API_KEYS_BUCKET);
  if (command === "create") {
    const name = option(args, "name") ?? fail("--name is required");
    const user = option(args, "user");
    if (user !== undefined && !/^\d{1,18}$/.test(user)) fail("--user takes a users-service id");
    const { key, record } = await createApiKey(kv, {
      name,
      scopes: scopesFrom(option(args, "scopes")),
      ...(user !== undefined ? { user } : {}),
    });
    console.log(JSON.stringify(keyInfo(record)));
    console.log(`\n${key}\n\nThis is the only time the key is shown: keep it now.`);
  } else if (command === "list") {
    for (const record of await listApiKeys(kv)) console.log(JSON.stringify(keyInfo(record)));
  } else {
    const id = args[0] ?? fail("revoke needs a key id (see `deno task keys list`)");
    console.log(JSON.stringify(keyInfo(await revokeApiKey(kv, id))));
  }
} finally {
  await nc.close();
}
