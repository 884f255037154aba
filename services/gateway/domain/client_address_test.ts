import assert from "node:assert/strict";
import { clientAddress, parseTrustedProxies } from "./client_address.ts";

const none = parseTrustedProxies("");
const lb = parseTrustedProxies("10.0.0.0/8");

Deno.test("with no trusted proxy the client is the socket's peer, whatever it wrote", () => {
  assert.deepEqual(clientAddress("198.51.100.4", "6.6.6.6", none), {
    ip: "198.51.100.4",
    chain: ["198.51.100.4"],
  });
});

Deno.test("behind trusted proxies the client is the rightmost untrusted hop", () => {
  // The client forged 6.6.6.6; 203.0.113.9 is what our load balancer (10.0.0.2) saw.
  assert.deepEqual(clientAddress("10.0.0.2", "6.6.6.6, 203.0.113.9", lb), {
    ip: "203.0.113.9",
    chain: ["203.0.113.9", "10.0.0.2"],
  });
  // Two trusted hops in a row.
  assert.equal(clientAddress("10.0.0.2", "203.0.113.9, 10.0.0.7", lb).ip, "203.0.113.9");
  // Only trusted hops: the leftmost is as far as anyone vouches.
  assert.equal(clientAddress("10.0.0.2", "10.0.0.3", lb).ip, "10.0.0.3");
  // A trusted peer that forwarded nothing is itself the client.
  assert.equal(clientAddress("10.0.0.2", undefined, lb).ip, "10.0.0.2");
});

Deno.test("garbage and ports in X-Forwarded-For never become the client", () => {
  assert.equal(clientAddress("10.0.0.2", "203.0.113.9, <script>", lb).ip, "10.0.0.2");
  assert.equal(clientAddress("10.0.0.2", "[2001:db8::1]:443", lb).ip, "2001:db8::1");
  assert.equal(clientAddress("10.0.0.2", "203.0.113.9:5000", lb).ip, "203.0.113.9");
});

Deno.test("a bad trusted-proxy entry is refused by name", () => {
  assert.throws(
    () => parseTrustedProxies("10.0.0.0/8, nope"),
    /"nope" is not an IP address or CIDR/,
  );
  assert.throws(() => parseTrustedProxies("::1/129"), /"::1\/129"/);
});
