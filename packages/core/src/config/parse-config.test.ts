import { describe, expect, it } from "vitest";
import { assertWebhooksConfig, parseWebhooksConfig } from "./parse-config.js";
import { configWarnings } from "./config-warnings.js";

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
    expect(issuesOf({ routes: { a: route({ secret: { source: "vault", provider: "p", id: "i" } }) } })[0]!.path).toBe("routes.a.secret.source");
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

describe("config checks for hostile or mistaken config", () => {
  it("refuses route paths no request can reach, naming the route and the character", () => {
    const pathIssue = (path: string) => issuesOf({ routes: { demo: route({ path }) } });
    expect(pathIssue("/hooks?x=1")).toEqual([{ path: "routes.demo.path", message: 'no request can reach this path: it contains "?" (a request path ends there)' }]);
    expect(pathIssue("/hooks#frag")[0]!.message).toContain('"#"');
    expect(pathIssue("/my hook")[0]!.message).toContain("a space");
    expect(pathIssue("/hook\u0007")[0]!.message).toContain("the control character U+0007");
    expect(pathIssue("/hook\u007f")[0]!.message).toContain("U+007F");
    expect(parseWebhooksConfig({ routes: { demo: route({ path: " /fine/%20path " }) } }).ok).toBe(true);
  });

  it("refuses route ids that are one id once trimmed, naming both", () => {
    expect(issuesOf({ routes: { x: route({ path: "/a" }), " x": route({ path: "/b" }) } })).toEqual([
      { path: "routes. x", message: 'route ids "x" and " x" are both "x" once trimmed' },
    ]);
  });

  it("names the missing or wrong field of a SecretRef", () => {
    expect(issuesOf({ routes: { demo: route({ secret: { source: "env", id: "X" } }) } })).toEqual([
      { path: "routes.demo.secret.provider", message: "is required" },
    ]);
    expect(issuesOf({ routes: { demo: route({ secret: ["ok-secret", { source: "file", provider: "p" }] }) } })).toEqual([
      { path: "routes.demo.secret.1.id", message: "is required" },
    ]);
    expect(issuesOf({ routes: { demo: route({ secret: 42 }) } })[0]!.path).toBe("routes.demo.secret");
  });
});

describe("config warnings", () => {
  it("warns about no enabled route and plain secrets under 16 bytes, not about SecretRefs", () => {
    expect(configWarnings(assertWebhooksConfig({}))).toEqual([
      { path: "routes", message: "no enabled routes: every request will be answered by the host (usually 404)" },
    ]);
    expect(configWarnings(assertWebhooksConfig({ routes: { off: route({ enabled: false }) } }))[0]!.path).toBe("routes");
    const short = "fifteen-bytes!!";
    expect(Buffer.byteLength(short)).toBe(15);
    const warnings = configWarnings(
      assertWebhooksConfig({
        routes: {
          a: route({ secret: short }),
          b: route({ secret: ["sixteen-bytes!!!", "x", { source: "env", provider: "default", id: "S" }] }),
          c: route({ secret: "ünïcödé-16bytes" }), // 15 characters, 19 bytes
        },
      }),
    );
    expect(warnings.map((w) => w.path)).toEqual(["routes.a.secret", "routes.b.secret.1"]);
    expect(warnings[0]!.message).toBe("secret is shorter than 16 bytes; use at least 32 random bytes (e.g. openssl rand -base64 32)");
  });
});
