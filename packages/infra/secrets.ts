/**
 * Generated secrets in one directory: each is made the first time it is asked for and kept in
 * a file of its own (mode 0600, the directory 0700), so the fleet's credentials survive a
 * restart. A secret is handed on as the path of its file, never as text in a URL or a log.
 */
import { nkeys } from "@nats-io/nats-core";

export type SecretKind = "password" | "nkey" | "hmac-key" | "ed25519-key";

export class SecretStore {
  private constructor(readonly dir: string) {}

  /** A directory that exists already is used as it is (compose mounts secrets read-only). */
  static async open(dir: string): Promise<SecretStore> {
    try {
      await Deno.stat(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      // Only the store itself is private: a recursive mkdir would give its new parents (a fresh
      // .data) mode 0700 too, and PostgreSQL, run as another user under root, could not reach
      // its own data there.
      const parent = dir.slice(0, dir.lastIndexOf("/"));
      if (parent) await Deno.mkdir(parent, { recursive: true });
      await Deno.mkdir(dir, { mode: 0o700 });
      await Deno.chmod(dir, 0o700);
    }
    return new SecretStore(dir);
  }

  /** The file that holds secret `name`, created with a new secret of `kind` when missing. */
  async file(name: string, kind: SecretKind): Promise<string> {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new Error(`Bad secret name "${name}"`);
    const path = `${this.dir}/${name}`;
    try {
      await Deno.stat(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      const temp = `${path}.${crypto.randomUUID()}.tmp`;
      await Deno.writeTextFile(temp, await generate(kind), { mode: 0o600, createNew: true });
      await Deno.rename(temp, path);
    }
    return path;
  }

  /** The text of secret `name` (created when missing). */
  async read(name: string, kind: SecretKind): Promise<string> {
    return (await Deno.readTextFile(await this.file(name, kind))).trim();
  }
}

const base64 = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** A key id: when it was made, so a rotated key is told apart at a glance. */
function keyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${
    crypto.randomUUID().slice(0, 4)
  }`;
}

/** A new secret of `kind`, as the text its file holds. */
export async function generate(kind: SecretKind): Promise<string> {
  switch (kind) {
    case "password":
      return base64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, "x");
    case "nkey":
      return new TextDecoder().decode(nkeys.createUser().getSeed());
    case "hmac-key":
      return `${keyId()}:${base64(crypto.getRandomValues(new Uint8Array(32)))}`;
    case "ed25519-key": {
      const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      return `${keyId()}:${base64(await crypto.subtle.exportKey("pkcs8", pair.privateKey))}`;
    }
  }
}

/** The public key of an nkey seed (what nats-server's configuration names a user by). */
export function nkeyPublicKey(seed: string): string {
  return nkeys.fromSeed(new TextEncoder().encode(seed.trim())).getPublicKey();
}
