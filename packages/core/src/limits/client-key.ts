// The client part of a limit key, from a resolved client address. One key per client, not
// per address, where one client can cheaply hold many addresses:
// - IPv6 by prefix (default /64: one subscriber's or host's network gets a whole /64, so
//   keying full addresses gave one machine 2^64 fresh budgets);
// - IPv4-mapped IPv6 (`::ffff:192.0.2.1`, also in hex form) as the IPv4 address;
// - every loopback address (127.0.0.0/8 and ::1) as one client, `loopback`: they are all
//   this host, and a local process may send from any of 16 million 127.x addresses.
// Anything that is not an IP address (e.g. `unknown`) is kept as it is.

export const DEFAULT_IPV6_PREFIX = 64;
export const LOOPBACK_CLIENT = "loopback";

export function clientKeyOf(address: string, ipv6Prefix = DEFAULT_IPV6_PREFIX): string {
  if (address.indexOf(":") === -1) return address.startsWith("127.") && isIPv4(address) ? LOOPBACK_CLIENT : address;
  const zone = address.indexOf("%");
  const groups = ipv6Groups(zone === -1 ? address : address.slice(0, zone));
  if (groups === undefined) return address;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) {
      const v4 = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
      return v4.startsWith("127.") ? LOOPBACK_CLIENT : v4;
    }
    if (groups[5] === 0 && groups[6] === 0 && groups[7] === 1) return LOOPBACK_CLIENT;
  }
  if (ipv6Prefix >= 128) return groups.map((g) => g.toString(16)).join(":");
  const full = ipv6Prefix >> 4;
  const bits = ipv6Prefix & 15;
  const kept = groups.slice(0, full).map((g) => g.toString(16));
  if (bits > 0) kept.push((groups[full]! & ((0xffff << (16 - bits)) & 0xffff)).toString(16));
  return `${kept.join(":")}::/${ipv6Prefix}`;
}

/**
 * Four dot-separated parts of 1–3 ASCII digits, each at most 255 (leading zeros allowed).
 * One pass over the characters: this runs for every IPv4 client on every request.
 */
function isIPv4(address: string): boolean {
  let parts = 1;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++parts > 4) return false;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
    } else return false;
  }
  return parts === 4 && digits > 0;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail allowed), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const double = address.indexOf("::");
  if (double !== -1 && address.indexOf("::", double + 1) !== -1) return undefined;
  const split = (part: string) => (part === "" ? [] : part.split(":"));
  const head = toWords(double === -1 ? split(address) : split(address.slice(0, double)), double === -1);
  const tail = double === -1 ? [] : toWords(split(address.slice(double + 2)), true);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (double === -1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...new Array<number>(double === -1 ? 0 : missing).fill(0), ...tail];
}

/** Hex groups as numbers; the last may be a dotted IPv4 address (two groups) when allowed. */
function toWords(parts: string[], v4TailAllowed: boolean): number[] | undefined {
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (v4TailAllowed && i === parts.length - 1 && part.includes(".")) {
      if (!isIPv4(part)) return undefined;
      const [a, b, c, d] = part.split(".").map(Number) as [number, number, number, number];
      words.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) words.push(parseInt(part, 16));
    else return undefined;
  }
  return words;
}
