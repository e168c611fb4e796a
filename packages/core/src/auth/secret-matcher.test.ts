import { describe, expect, it } from "vitest";
import { createSecretMatcher } from "./secret-matcher.js";

describe("createSecretMatcher", () => {
  const secret = "bench-secret-0123456789abcdef0123456789abcdef";

  it("accepts exactly the configured secret, nothing shorter, longer or different", () => {
    const m = createSecretMatcher([secret]);
    expect(m.matches(secret)).toBe(true);
    expect(m.matches(secret.slice(0, -1))).toBe(false);
    expect(m.matches(`${secret}f`)).toBe(false);
    expect(m.matches(`${secret}\u0000`)).toBe(false);
    expect(m.matches(`X${secret.slice(1)}`)).toBe(false);
    expect(m.matches(secret.toUpperCase())).toBe(false);
    expect(m.matches("")).toBe(false);
  });

  it("accepts every rotation slot and only those", () => {
    const m = createSecretMatcher(["first-secret-value", "second-secret"]);
    expect(m.matches("first-secret-value")).toBe(true);
    expect(m.matches("second-secret")).toBe(true);
    expect(m.matches("first-secret")).toBe(false);
    expect(m.matches("second-secret-value")).toBe(false);
  });

  it("compares secrets and presented values longer than the padded store", () => {
    const long = "s".repeat(3000) + "end";
    const m = createSecretMatcher([long, "short-one"]);
    expect(m.matches(long)).toBe(true);
    expect(m.matches(`${long}!`)).toBe(false);
    expect(m.matches(long.slice(0, 2048))).toBe(false);
    expect(m.matches("s".repeat(3003))).toBe(false);
    // A presented value that repeats the short secret past the store's size never matches it.
    expect(createSecretMatcher(["ab"]).matches("ab".repeat(1024))).toBe(false);
    expect(createSecretMatcher(["ab"]).matches("ab".repeat(1024) + "ab")).toBe(false);
  });

  it("compares non-Latin-1 secrets by code unit", () => {
    const m = createSecretMatcher(["sécret-ü-🔑"]);
    expect(m.matches("sécret-ü-🔑")).toBe(true);
    expect(m.matches("secret-u-🔑")).toBe(false);
  });

  it("is cold without a usable secret, and then matches nothing", () => {
    const cold = createSecretMatcher(["", ""]);
    expect(cold.cold).toBe(true);
    expect(cold.matches("")).toBe(false);
    expect(cold.matches("anything")).toBe(false);
    expect(createSecretMatcher([secret]).cold).toBe(false);
  });
});
