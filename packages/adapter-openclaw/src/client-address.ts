// The client address for the limits, resolved exactly as the Gateway resolves it for its
// own webhooks (2026.9.6 `resolveRequestClientIp`): the socket peer, unless that peer is
// in `gateway.trustedProxies`; then the right-most `X-Forwarded-For` hop that is neither
// loopback nor trusted; then `X-Real-IP`, but only with `gateway.allowRealIpFallback:
// true`; else the peer itself. `Forwarded` is not read (the Gateway ignores it too).
import { isIP } from "node:net";
import { createTrustedProxies, unmapIPv4, type Logger, type TrustedProxies } from "@taskflow-webhooks/core";
import type { GatewayConfig } from "./gateway-api.js";

export interface ClientAddressSource {
  socket?: { remoteAddress?: string | undefined } | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export type ClientAddressOf = (req: ClientAddressSource) => string;

export function gatewayClientAddress(config: GatewayConfig | undefined, logger: Logger): ClientAddressOf {
  const trusted = trustedProxiesOf(config, logger);
  const realIpFallback = config?.gateway?.allowRealIpFallback === true;
  return (req) => {
    const remote = req.socket?.remoteAddress;
    if (!remote) return "unknown";
    const peer = unmapIPv4(remote);
    if (!trusted.has(peer)) return peer;
    const hops = (first(req.headers["x-forwarded-for"]) ?? "").split(",").map(ipLiteral);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      if (hop !== undefined && !isLoopback(hop) && !trusted.has(hop)) return hop;
    }
    if (realIpFallback) {
      const real = ipLiteral(first(req.headers["x-real-ip"]) ?? "");
      if (real !== undefined) return real;
    }
    return peer;
  };
}

// Invalid entries are dropped with a warning rather than failing the whole plugin.
function trustedProxiesOf(config: GatewayConfig | undefined, logger: Logger): TrustedProxies {
  const entries = config?.gateway?.trustedProxies;
  if (!Array.isArray(entries)) return createTrustedProxies([]);
  const valid = entries.filter((entry): entry is string => {
    try {
      createTrustedProxies([String(entry)]);
      return typeof entry === "string";
    } catch {
      logger.warn("ignoring invalid gateway.trustedProxies entry", { entry: String(entry) });
      return false;
    }
  });
  return createTrustedProxies(valid);
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

// `[v6]:port`, `v4:port` and bare literals; anything else is not an address.
function ipLiteral(raw: string): string | undefined {
  let text = raw.trim();
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close !== -1) text = text.slice(1, close);
  } else if (isIP(text) === 0) {
    const colon = text.lastIndexOf(":");
    if (colon > -1 && text.indexOf(":") === colon && isIP(text.slice(0, colon)) === 4) text = text.slice(0, colon);
  }
  const address = unmapIPv4(text.toLowerCase());
  return isIP(address) === 0 ? undefined : address;
}

function isLoopback(address: string): boolean {
  return address === "::1" || (isIP(address) === 4 && address.startsWith("127."));
}
