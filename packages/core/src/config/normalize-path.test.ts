import { describe, expect, it } from "vitest";
import { canonicalRoutePath, normalizeRoutePath, requestPathOf, urlPathOf } from "./normalize-path.js";

describe("normalizeRoutePath", () => {
  it("trims, adds the leading slash and drops one trailing slash", () => {
    expect(normalizeRoutePath("  plugins/webhooks/a/ ")).toBe("/plugins/webhooks/a");
    expect(normalizeRoutePath("/")).toBe("/");
    expect(normalizeRoutePath("   ")).toBe("/");
    expect(normalizeRoutePath("/a//")).toBe("/a/");
  });
});

describe("requestPathOf / urlPathOf", () => {
  it("drop query and fragment; the URL form also resolves dot segments", () => {
    expect(requestPathOf("/a/b/?x=1#f")).toBe("/a/b");
    expect(urlPathOf("/a/./b/../c?x")).toBe("/a/c");
    expect(urlPathOf("/a\\b")).toBe("/a/b");
  });
});

describe("canonicalRoutePath (the Gateway's canonical variant)", () => {
  it.each([
    ["/plugins/webhooks/Zapier", "/plugins/webhooks/zapier"],
    ["/plugins//webhooks///zapier//", "/plugins/webhooks/zapier"],
    ["/plugins/webhooks/%7Aapier", "/plugins/webhooks/zapier"],
    ["/plugins/webhooks/%257Aapier", "/plugins/webhooks/zapier"],
    ["/plugins/webhooks/%2E%2E/webhooks/zapier", "/plugins/webhooks/zapier"],
    ["/plugins/webhooks/%2Fzapier", "/plugins/webhooks/zapier"],
    ["/", "/"],
  ])("%s → %s", (input, canonical) => {
    expect(canonicalRoutePath(input)).toBe(canonical);
  });

  it("stops at malformed encoding and keeps the last form it reached", () => {
    expect(canonicalRoutePath("/A/%E0%A4%A")).toBe("/a/%e0%a4%a");
    expect(canonicalRoutePath("/A%2541/%zz")).toBe("/a%2541/%zz");
  });

  it("decodes at most 32 times", () => {
    let deep = "z";
    for (let i = 0; i < 40; i++) deep = encodeURIComponent(deep === "z" ? "%7A" : deep);
    expect(canonicalRoutePath(`/x/${deep}`)).not.toBe("/x/z");
  });
});
