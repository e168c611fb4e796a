import { describe, expect, it } from "vitest";
import { createTrustedProxies, resolveClientAddress } from "./client-address.js";

const headers = (h: Record<string, string>) => (name: string) => h[name];

describe("client address", () => {
  const trusted = createTrustedProxies(["10.0.0.0/8", "::1", "fd00::/8"]);

  it("uses the socket peer, unmapping IPv4-mapped IPv6", () => {
    expect(resolveClientAddress("::ffff:203.0.113.1", headers({}), trusted)).toBe("203.0.113.1");
  });

  it("ignores forwarding headers from untrusted peers", () => {
    expect(resolveClientAddress("203.0.113.1", headers({ "x-forwarded-for": "1.2.3.4" }), trusted)).toBe("203.0.113.1");
  });

  it("walks X-Forwarded-For from the nearest hop past trusted proxies", () => {
    const h = headers({ "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.2" });
    expect(resolveClientAddress("10.0.0.1", h, trusted)).toBe("203.0.113.9");
    expect(resolveClientAddress("::1", headers({ "x-forwarded-for": "10.1.1.1, 10.2.2.2" }), trusted)).toBe("10.1.1.1");
  });

  it("reads Forwarded: for= with quotes, brackets and ports", () => {
    expect(resolveClientAddress("fd00::1", headers({ forwarded: 'for="[2001:db8::1]:4711";proto=https' }), trusted)).toBe("2001:db8::1");
    expect(resolveClientAddress("10.0.0.1", headers({ forwarded: "for=198.51.100.3:80, for=10.0.0.9" }), trusted)).toBe("198.51.100.3");
  });

  it("falls back to the peer when a trusted proxy sends no header", () => {
    expect(resolveClientAddress("10.0.0.1", headers({}), trusted)).toBe("10.0.0.1");
  });

  it("refuses malformed trusted proxy entries", () => {
    expect(() => createTrustedProxies(["nope"])).toThrow(/Invalid trusted proxy/);
    expect(() => createTrustedProxies(["10.0.0.0/40"])).toThrow(/prefix/);
  });
});
