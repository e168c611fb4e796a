// One client identity keys both the rate and the in-flight limit: the socket peer, or the
// address a trusted proxy forwarded. Forwarding headers from untrusted peers are ignored,
// otherwise any caller could pick a fresh identity per request and escape every limit.
import { BlockList, isIP } from "node:net";

export interface TrustedProxies {
  has(address: string): boolean;
}

/** Parse a list of IPs and CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`). Throws on bad input. */
export function createTrustedProxies(entries: readonly string[] = []): TrustedProxies {
  if (entries.length === 0) return { has: () => false };
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const slash = entry.indexOf("/");
    const address = unmapIPv4(slash === -1 ? entry : entry.slice(0, slash));
    const family = isIP(address);
    if (family === 0) throw new Error(`Invalid trusted proxy address: ${entry}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (slash === -1) list.addAddress(address, type);
    else {
      const prefix = Number(entry.slice(slash + 1));
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`Invalid trusted proxy prefix: ${entry}`);
      }
      list.addSubnet(address, prefix, type);
    }
  }
  return {
    has(address) {
      const a = unmapIPv4(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

export function unmapIPv4(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The client address for limit keys. Walks `X-Forwarded-For` (or `Forwarded: for=`) from
 * the nearest hop outwards while hops are trusted proxies; the first untrusted hop is the
 * client.
 */
export function resolveClientAddress(
  remoteAddress: string | undefined,
  header: (name: string) => string | undefined,
  trusted: TrustedProxies,
): string {
  const peer = remoteAddress ? unmapIPv4(remoteAddress) : "unknown";
  if (!remoteAddress || !trusted.has(peer)) return peer;
  const hops = forwardedHops(header);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!trusted.has(hop)) return hop;
  }
  return hops[0] ?? peer;
}

function forwardedHops(header: (name: string) => string | undefined): string[] {
  const xff = header("x-forwarded-for");
  if (xff) return xff.split(",").map((h) => cleanHop(h)).filter((h) => h.length > 0);
  const forwarded = header("forwarded");
  if (!forwarded) return [];
  const hops: string[] = [];
  for (const element of forwarded.split(",")) {
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === "for") {
        const hop = cleanHop(pair.slice(eq + 1));
        if (hop) hops.push(hop);
      }
    }
  }
  return hops;
}

// Strips quotes, brackets and ports: `"[2001:db8::1]:4711"` → `2001:db8::1`.
function cleanHop(raw: string): string {
  let hop = raw.trim().replace(/^"|"$/g, "");
  if (hop.startsWith("[")) {
    const close = hop.indexOf("]");
    return close === -1 ? hop : hop.slice(1, close);
  }
  const colon = hop.indexOf(":");
  if (colon !== -1 && hop.indexOf(":", colon + 1) === -1) hop = hop.slice(0, colon);
  return unmapIPv4(hop);
}
