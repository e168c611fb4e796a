import { describe, expect, it } from "vitest";
import { assertWebhooksConfig, parseWebhooksConfig } from "./parse-config.js";

const route = (extra: Record<string, unknown> = {}) => ({ sessionKey: "agent:main:main", secret: "s", ...extra });
const issuesOf = (input: unknown) => {
  const r = parseWebhooksConfig(input);
  if (r.ok) throw new Error("expected issues");
  return r.issues;
};

describe("route config", () => {
  it("applies defaults: path, controllerId, enabled, reference limits, idempotency", () => {
    const { routes } = assertWebhooksConfig({ routes: { zapier: route() } });
    expect(routes[0]).toEqual({
      id: "zapier",
      enabled: true,
      path: "/plugins/webhooks/zapier",
      sessionKey: "agent:main:main",
      secrets: ["s"],
      controllerId: "webhooks/zapier",
      limits: { maxBodyBytes: 262_144, bodyTimeoutMs: 15_000, rateLimit: { windowMs: 60_000, max: 120 }, maxInFlight: 8, taskFlowTimeoutMs: 10_000, ipv6Prefix: 64 },
      idempotency: { ttlHours: 24, required: false, acceptWebhookId: false },
    });
  });

  it("takes idempotency settings and names a bad one by its path", () => {
    const r = assertWebhooksConfig({
      routes: { z: route({ idempotency: { ttlHours: 48, required: true, acceptWebhookId: true } }) },
    }).routes[0]!;
    expect(r.idempotency).toEqual({ ttlHours: 48, required: true, acceptWebhookId: true });
    expect(() => assertWebhooksConfig({ routes: { z: route({ idempotency: { ttlHours: 0 } }) } })).toThrow(
      "routes.z.idempotency.ttlHours: must be >= 1",
    );
    expect(() => assertWebhooksConfig({ routes: { z: route({ idempotency: { ttl: 1 } }) } })).toThrow(
      "routes.z.idempotency.ttl: unknown key",
    );
  });

  it("trims and normalises: leading slash added, one trailing slash dropped, no case change", () => {
    const paths = ["hooks/A/", " /x ", "/", "/a//"].map(
      (path) => assertWebhooksConfig({ routes: { r: route({ path }) } }).routes[0]!.path,
    );
    expect(paths).toEqual(["/hooks/A", "/x", "/", "/a/"]);
    const r = assertWebhooksConfig({ routes: { r: route({ sessionKey: "  k  ", controllerId: " c " }) } }).routes[0]!;
    expect([r.sessionKey, r.controllerId]).toEqual(["k", "c"]);
  });

  it("accepts an empty config", () => {
    expect(assertWebhooksConfig({}).routes).toEqual([]);
    expect(assertWebhooksConfig(undefined).routes).toEqual([]);
  });

  it("names the exact path of every problem", () => {
    expect(issuesOf({ routes: { a: { secret: "s" } } })).toEqual([{ path: "routes.a.sessionKey", message: "is required" }]);
    expect(issuesOf({ routes: { a: route({ sessionKey: "  " }) } })[0]!.path).toBe("routes.a.sessionKey");
    expect(issuesOf({ routes: { a: route({ secret: "" }) } })[0]!.path).toBe("routes.a.secret");
    expect(issuesOf({ routes: { a: route({ enabled: "yes" }) } })[0]!.path).toBe("routes.a.enabled");
    expect(issuesOf({ routes: { a: route({ limits: { maxInFlight: 0 } }) } })[0]!.path).toBe("routes.a.limits.maxInFlight");
    expect(issuesOf({ routes: { a: route({ secret: { source: "vault", provider: "p", id: "i" } }) } })[0]!.path).toBe("routes.a.secret");
  });

  it("rejects unknown keys everywhere", () => {
    expect(issuesOf({ routes: { a: route({ secrt: "x" }) } })).toEqual([{ path: "routes.a.secrt", message: "unknown key" }]);
    expect(issuesOf({ routez: {} })[0]!.path).toBe("routez");
    expect(issuesOf({ routes: { a: route({ secret: { source: "env", provider: "p", id: "i", x: 1 } }) } })[0]!.path).toMatch(/^routes\.a\.secret/);
  });

  it("rejects blank route ids", () => {
    expect(issuesOf({ routes: { "  ": route() } })[0]!.message).toMatch(/route id/);
  });

  it("refuses two enabled routes on one normalised path, naming both ids and the path", () => {
    const issues = issuesOf({ routes: { a: route({ path: "/x" }), b: route({ path: "x/" }) } });
    expect(issues).toEqual([{ path: "routes.b.path", message: 'routes "a" and "b" both use the path /x' }]);
    expect(parseWebhooksConfig({ routes: { a: route({ path: "/x" }), b: route({ path: "/x", enabled: false }) } }).ok).toBe(true);
  });

  it("accepts SecretRefs and rotation lists, refusing an empty list", () => {
    const ref = { source: "env", provider: "default", id: "X" };
    expect(assertWebhooksConfig({ routes: { a: route({ secret: ["s1", ref] }) } }).routes[0]!.secrets).toEqual(["s1", ref]);
    expect(issuesOf({ routes: { a: route({ secret: [] }) } })[0]!.path).toBe("routes.a.secret");
  });

  it("throws one error listing every problem", () => {
    expect(() => assertWebhooksConfig({ routes: { a: {} } })).toThrow(/routes\.a\.sessionKey[\s\S]*routes\.a\.secret/);
  });
});
