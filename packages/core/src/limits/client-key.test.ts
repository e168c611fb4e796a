import { describe, expect, it } from "vitest";
import { clientKeyOf } from "./client-key.js";

describe("client key", () => {
  it("keys IPv6 by its /64 by default, any prefix when configured", () => {
    expect(clientKeyOf("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("2001:db8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("2001:DB8:0001:0002::1")).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKeyOf("2001:db8:1:2:3::1", 48)).toBe("2001:db8:1::/48");
    expect(clientKeyOf("2001:db8:1:2ff::1", 56)).toBe("2001:db8:1:200::/56");
    expect(clientKeyOf("2001:db8:1:2:3:4:5:6", 128)).toBe("2001:db8:1:2:3:4:5:6");
    expect(clientKeyOf("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("keys IPv4-mapped IPv6 (dotted or hex) as the IPv4 address", () => {
    expect(clientKeyOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientKeyOf("::ffff:cb00:7107")).toBe("203.0.113.7");
    expect(clientKeyOf("203.0.113.7")).toBe("203.0.113.7");
  });

  it("keys every loopback address as one client", () => {
    for (const a of ["127.0.0.1", "127.0.0.2", "127.0.0.11", "127.255.1.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.5", "::ffff:7f00:2"]) {
      expect(clientKeyOf(a), a).toBe("loopback");
    }
  });

  it("keeps what is not an IP address as it is", () => {
    for (const a of ["unknown", "127.example", "1::2::3", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "::1.2.3"]) expect(clientKeyOf(a)).toBe(a);
  });
});
