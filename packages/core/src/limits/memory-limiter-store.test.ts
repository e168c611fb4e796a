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

describe("memory limiter store under a spray of open windows", () => {
  const oneAMinute = (now: number) => ({ windowMs: 60_000, max: 1, now });

  it("a key pushed out of the table keeps its open window: no fresh budget when it returns", () => {
    const store = createMemoryLimiterStore({ maxKeys: 10 });
    expect(store.consume("victim", oneAMinute(0)).allowed).toBe(true);
    for (let i = 0; i < 1_000; i++) store.consume(`spray-${i}`, oneAMinute(1));
    expect(store.size()).toBe(10);
    expect(store.consume("victim", oneAMinute(2))).toEqual({ allowed: false, remaining: 0, resetAt: 60_000 });
    // Its window still ends when it did, and then it gets a fresh one.
    expect(store.consume("victim", oneAMinute(60_000))).toEqual({ allowed: true, remaining: 0, resetAt: 120_000 });
  });

  it("a key pushed out and restored again and again is counted once per request, not once per eviction", () => {
    const store = createMemoryLimiterStore({ maxKeys: 4 });
    const options = (now: number) => ({ windowMs: 60_000, max: 10, now });
    const answers = [];
    for (let i = 0; i < 12; i++) {
      answers.push(store.consume("steady", options(i)));
      for (let j = 0; j < 8; j++) store.consume(`spray-${i}-${j}`, options(i));
    }
    expect(answers.map((a) => a.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    expect(answers.map((a) => a.allowed)).toEqual([...Array(10).fill(true), false, false]);
  });

  it("every one of 4 200 rotating keys is refused its second request (one allowed per minute)", () => {
    const store = createMemoryLimiterStore();
    for (let i = 0; i < 4_200; i++) expect(store.consume(`k${i}`, oneAMinute(0)).allowed).toBe(true);
    for (let i = 0; i < 4_200; i++) expect(store.consume(`k${i}`, oneAMinute(1)).allowed).toBe(false);
    expect(store.size()).toBe(4096);
  });

  it("windows that have ended leave the sketch: after a spray's window, every key starts afresh", () => {
    const store = createMemoryLimiterStore({ maxKeys: 16 });
    for (let i = 0; i < 50_000; i++) store.consume(`spray-${i}`, oneAMinute(0));
    const fresh = Array.from({ length: 1_000 }, (_, i) => store.consume(`spray-${i}`, oneAMinute(60_000)));
    expect(fresh.every((a) => a.allowed && a.resetAt === 120_000)).toBe(true);
  });
});
