// The LimiterStore conformance kit: one suite every rate-limit store must pass (memory,
// SQLite, Redis), so the handler answers the same `allowed` / `remaining` / `resetAt` (and
// so the same 429s and RateLimit-* headers) whichever store an operator picks. The memory
// store is the reference; the last test replays random call sequences against it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryLimiterStore } from "../limits/memory-limiter-store.js";
import type { ConsumeOptions, ConsumeResult, LimiterStore } from "../ports/limiter-store.js";

export interface LimiterConformanceBackend {
  store: LimiterStore;
  /** Called after each test. */
  close?(): void | Promise<void>;
}

/** A fresh, empty store per test (for a shared service: a fresh key prefix). */
export type LimiterConformanceFactory = () => LimiterConformanceBackend | Promise<LimiterConformanceBackend>;

const T0 = 1_700_000_000_000;

export function describeLimiterStoreConformance(name: string, create: LimiterConformanceFactory): void {
  describe(`LimiterStore conformance: ${name}`, () => {
    let backend: LimiterConformanceBackend | undefined;
    beforeEach(async () => {
      backend = await create();
    });
    afterEach(async () => {
      const finished = backend;
      backend = undefined;
      await finished?.close?.();
    });
    const consume = async (key: string, options: ConsumeOptions): Promise<ConsumeResult> => {
      if (!backend) throw new Error("limiter conformance harness used outside a test");
      return backend.store.consume(key, options);
    };

    it("allows max requests in a window, then refuses with remaining 0 until the window ends", async () => {
      const at = (now: number) => ({ windowMs: 1_000, max: 3, now });
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await consume("route\n192.0.2.1", at(T0 + i)));
      expect(answers).toEqual([
        { allowed: true, remaining: 2, resetAt: T0 + 1_000 },
        { allowed: true, remaining: 1, resetAt: T0 + 1_000 },
        { allowed: true, remaining: 0, resetAt: T0 + 1_000 },
        { allowed: false, remaining: 0, resetAt: T0 + 1_000 },
        { allowed: false, remaining: 0, resetAt: T0 + 1_000 },
      ]);
      expect(await consume("route\n192.0.2.1", at(T0 + 999))).toEqual({ allowed: false, remaining: 0, resetAt: T0 + 1_000 });
    });

    it("starts a new window at resetAt (fixed window: refused calls do not extend it)", async () => {
      const at = (now: number) => ({ windowMs: 1_000, max: 1, now });
      expect(await consume("k", at(T0))).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 1_000 });
      expect(await consume("k", at(T0 + 500))).toEqual({ allowed: false, remaining: 0, resetAt: T0 + 1_000 });
      expect(await consume("k", at(T0 + 1_000))).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 2_000 });
      // A long pause: the next window starts at the call, not at a multiple of the window.
      expect(await consume("k", at(T0 + 7_250))).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 8_250 });
    });

    it("keeps one window per key, keys with any characters included", async () => {
      const at = { windowMs: 60_000, max: 2, now: T0 };
      const keys = ["a\n127.0.0.1", "a\n::1", "b\n127.0.0.1", "ü:{x}*?[", "a\n127.0.0.1 "];
      for (const key of keys) expect(await consume(key, at)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await consume(keys[0]!, at)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await consume(keys[0]!, at)).toMatchObject({ allowed: false, remaining: 0 });
      for (const key of keys.slice(1)) expect(await consume(key, at)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it("takes windowMs and max from each call (a route's limits)", async () => {
      expect(await consume("wide", { windowMs: 60_000, max: 100, now: T0 })).toEqual({
        allowed: true,
        remaining: 99,
        resetAt: T0 + 60_000,
      });
      expect(await consume("narrow", { windowMs: 10, max: 1, now: T0 })).toEqual({ allowed: true, remaining: 0, resetAt: T0 + 10 });
      expect(await consume("narrow", { windowMs: 10, max: 1, now: T0 + 10 })).toEqual({
        allowed: true,
        remaining: 0,
        resetAt: T0 + 20,
      });
    });

    it("allows exactly max of many concurrent calls on one key", async () => {
      const options = { windowMs: 60_000, max: 7, now: T0 };
      const answers = await Promise.all(Array.from({ length: 40 }, () => consume("burst", options)));
      expect(answers.filter((a) => a.allowed)).toHaveLength(7);
      expect(answers.filter((a) => !a.allowed).every((a) => a.remaining === 0)).toBe(true);
      expect(new Set(answers.filter((a) => a.allowed).map((a) => a.remaining))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    });

    it("answers random call sequences exactly like the memory store", async () => {
      const reference = createMemoryLimiterStore();
      let seed = 0x2545f491;
      const random = (n: number) => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      let now = T0;
      for (let i = 0; i < 300; i++) {
        now += [0, 1, 70, 400, 2_500][random(5)]!;
        // Limits belong to a route, and the route is part of the key, as in the handler.
        // Windows of 1–2 s: a store whose keys also expire on their own clock (a TTL) must not
        // see them expire between two calls of this loop.
        const route = random(3);
        const key = `route-${route}\n10.0.0.${random(3)}`;
        const options = { windowMs: [1_000, 2_000, 1_000][route]!, max: [1, 3, 4][route]!, now };
        const expected = reference.consume(key, options);
        expect(await consume(key, options), `call ${i}: ${JSON.stringify({ key, options })}`).toEqual(expected);
      }
    });
  });
}
