import { describe, expect, it } from "vitest";
import { createMemoryLimiterStore } from "./memory-limiter-store.js";

const opts = (now: number) => ({ windowMs: 1000, max: 3, now });

describe("memory limiter store", () => {
  it("allows max requests per fixed window, then refuses until the window resets", () => {
    const store = createMemoryLimiterStore();
    expect([1, 2, 3, 4].map(() => store.consume("k", opts(0)))).toEqual([
      { allowed: true, remaining: 2, resetAt: 1000 },
      { allowed: true, remaining: 1, resetAt: 1000 },
      { allowed: true, remaining: 0, resetAt: 1000 },
      { allowed: false, remaining: 0, resetAt: 1000 },
    ]);
    expect(store.consume("k", opts(999)).allowed).toBe(false);
    expect(store.consume("k", opts(1000))).toEqual({ allowed: true, remaining: 2, resetAt: 2000 });
  });

  it("never tracks more than maxKeys under a spray of distinct keys", () => {
    const store = createMemoryLimiterStore({ maxKeys: 100 });
    for (let i = 0; i < 100_000; i++) store.consume(`spray-${i}`, opts(0));
    expect(store.size()).toBe(100);
  });

  it("keeps limiting a hot key while distinct keys flood past the cap", () => {
    const store = createMemoryLimiterStore({ maxKeys: 100 });
    for (let i = 0; i < 3; i++) store.consume("hot", opts(0));
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 90; i++) store.consume(`spray-${round}-${i}`, opts(1));
      expect(store.consume("hot", opts(2)).allowed).toBe(false);
    }
    expect(store.size()).toBeLessThanOrEqual(100);
  });
});
