import { describe, expect, it } from "vitest";
import { canonicalJson, requestFingerprint } from "./fingerprint.js";

describe("request fingerprint", () => {
  it("is the SHA-256 of canonical JSON: keys sorted at every level, arrays kept in order", () => {
    expect(canonicalJson(JSON.parse('{"b":1,"a":{"d":[3,{"z":1,"y":2}],"c":null}}'))).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(requestFingerprint({ b: 1, a: 2 })).toBe(requestFingerprint({ a: 2, b: 1 }));
    expect(requestFingerprint({ a: [1, 2] })).not.toBe(requestFingerprint({ a: [2, 1] }));
    expect(requestFingerprint({ a: "1" })).not.toBe(requestFingerprint({ a: 1 }));
    expect(requestFingerprint("x")).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps a "__proto__" key of a parsed body as data (two bodies differing there differ)', () => {
    const a = JSON.parse('{"stateJson":{"z":1,"__proto__":{"x":1}}}');
    const b = JSON.parse('{"stateJson":{"z":1,"__proto__":{"x":2}}}');
    expect(canonicalJson(a)).toBe('{"stateJson":{"__proto__":{"x":1},"z":1}}');
    expect(requestFingerprint(a)).not.toBe(requestFingerprint(b));
  });
});
