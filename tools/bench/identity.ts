/**
 * `deno task bench identity [--iterations N]`: what authentication costs per request, in one
 * process, without load: the gateway's API key check and token signing, a service's
 * verification of a fresh token and of one it has seen, and an OIDC token's verification
 * (ES256, the key already fetched). Prints µs per operation and operations per second.
 */
import { parseArgs } from "node:util";
import { generateKeyPair, jwtVerify, SignJWT } from "jose";
import {
  apiKeyMatches,
  generateIdentityKeys,
  hashApiKey,
  IdentitySigner,
  IdentityVerifier,
  type RequestIdentity,
} from "@flotilla/backbone";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "5000" } } });
const N = Number(values.iterations);

async function measure(label: string, op: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(500, N); i++) await op(i); // warm-up
  const started = performance.now();
  for (let i = 0; i < N; i++) await op(i);
  const us = (performance.now() - started) * 1000 / N;
  console.log(
    `${label.padEnd(44)} ${us.toFixed(1).padStart(7)} µs  ${
      Math.round(1e6 / us).toLocaleString("en-US").padStart(9)
    } /s`,
  );
  return us;
}

const keys = await generateIdentityKeys();
const signer = await IdentitySigner.fromKey(keys.signingKey);
const verifier = await IdentityVerifier.fromKey(keys.publicKey, "listing-view");
/** Caller i: a client address of its own, so that each gets a token of its own. */
const identity = (i: number): RequestIdentity => ({
  principal: { type: "key", id: "k1b2c3d4e5f6", name: "bench", scopes: ["listings:read"] },
  ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  userAgent: "wrk",
});
const key = `flt_k1b2c3d4e5f6_${"A".repeat(43)}`;
const record = {
  id: "k1b2c3d4e5f6",
  name: "bench",
  scopes: ["listings:read"],
  hash: hashApiKey(key),
  created_at: "",
  last_used_at: null,
  revoked_at: null,
};
const tokens = await Promise.all(
  Array.from({ length: N }, (_, i) => signer.sign(identity(i), "listing-view")),
);
const oidc = await generateKeyPair("ES256");
const jwt = await new SignJWT({ sub: "ada", scope: "listings:read" })
  .setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer("https://id.test")
  .setAudience("flotilla").setExpirationTime("1h").sign(oidc.privateKey);

console.log(`identity bench: ${N} iterations per operation, one process`);
const check = await measure(
  "gateway: API key check (SHA-256, compare)",
  () => apiKeyMatches(record, key),
);
const fresh = await IdentitySigner.fromKey(keys.signingKey);
const sign = await measure(
  "gateway: sign a new token (EdDSA)",
  (i) => fresh.sign(identity(N + i), "listing-view"),
);
const reused = await measure(
  "gateway: the caller's token again (reuse)",
  () => signer.sign(identity(0), "listing-view"),
);
const verify = await measure("service: verify a new token", (i) => verifier.verify(tokens[i]));
const cached = await measure(
  "service: verify a token seen before (cache)",
  () => verifier.verify(tokens[0]),
);
await measure(
  "gateway: verify an OIDC token (ES256)",
  () => jwtVerify(jwt, oidc.publicKey, { issuer: "https://id.test", audience: "flotilla" }),
);
console.log(
  `per request through the gateway with an API key: ${(check + reused + cached).toFixed(1)} µs ` +
    `of CPU for a caller seen in the last 30 s, ${
      (check + sign + verify).toFixed(0)
    } µs for a new one`,
);
