/**
 * Who the client is, by address. `X-Forwarded-For` is a list anyone can write to: only the hops
 * appended by proxies we trust are facts. Reading from the right (the socket's peer first), each
 * trusted address vouches for the one before it; the first untrusted one is the client. What is
 * left of it is whatever the client claimed, and is dropped. No I/O.
 */
import { BlockList, isIP } from "node:net";

export interface TrustedProxies {
  has(address: string): boolean;
  /** As configured, for the logs. */
  readonly text: string;
}

/** `10.0.0.0/8, 192.168.1.7, fd00::/8`: CIDRs or single addresses; throws naming a bad one. */
export function parseTrustedProxies(text: string): TrustedProxies {
  const list = new BlockList();
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [address, bits, extra] = item.split("/");
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (
      family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max
    ) {
      throw new Error(`"${item}" is not an IP address or CIDR`);
    }
    list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    text,
    has: (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

export interface ClientAddress {
  /** The client's address; undefined when there is no socket (in-process tests). */
  ip: string | undefined;
  /** The hops from the client to us, as `X-Forwarded-For` should carry them on. */
  chain: string[];
}

/** `[::ffff:1.2.3.4]:80`, `1.2.3.4:80` and the like down to the bare address. */
function bare(hop: string): string {
  let h = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracketed) h = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(h)) h = h.slice(0, h.lastIndexOf(":"));
  return h;
}

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: TrustedProxies,
): ClientAddress {
  if (peer === undefined) return { ip: undefined, chain: [] };
  const hops = [...(forwardedFor?.split(",").map(bare).filter(Boolean) ?? []), peer];
  let i = hops.length - 1;
  while (i > 0 && trusted.has(hops[i])) i--;
  // A hop that is not an address at all ends the trust there: the hop after it is the client.
  while (i < hops.length - 1 && isIP(hops[i]) === 0) i++;
  return { ip: hops[i], chain: hops.slice(i) };
}
