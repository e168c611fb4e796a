// Floods: distinct client keys past the cap keep limiter memory bounded, a hot key stays
// limited exactly while they flood, and forwarding headers from untrusted peers cannot
// mint fresh identities. The memory store is checked against a plain model of a bounded
// least-recently-seen fixed-window limiter.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemoryLimiterStore, type ConsumeOptions, type ConsumeResult } from "../../src/index.js";
import { createInFlightTracker } from "../../src/limits/in-flight.js";
import { SECRET, checkLogsAfterAll, expectNoLeak, hostileSetup } from "./support.js";

checkLogsAfterAll();

/**
 * The obvious (unbounded) model: an exact fixed window per key that is never forgotten.
 * The store must answer the same while keeping at most maxKeys keys in its table (keys
 * pushed out go to its sketch, which is exact while few keys share its cells).
 */
function modelLimiter(maxKeys: number) {
  const entries = new Map<string, { count: number; resetAt: number }>();
  return {
    consume(key: string, { windowMs, max, now }: ConsumeOptions): ConsumeResult {
      let entry = entries.get(key);
      if (!entry || entry.resetAt <= now) entries.set(key, (entry = { count: 0, resetAt: now + windowMs }));
      if (entry.count >= max) return { allowed: false, remaining: 0, resetAt: entry.resetAt };
      entry.count += 1;
      return { allowed: true, remaining: max - entry.count, resetAt: entry.resetAt };
    },
    size: () => Math.min(entries.size, maxKeys),
  };
}

describe("memory limiter store against its model", () => {
  it("answers every consume exactly like an unbounded exact model, keeping at most maxKeys keys", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 9 }), advance: fc.integer({ min: 0, max: 700 }) }), { maxLength: 200 }),
        (maxKeys, max, steps) => {
          const store = createMemoryLimiterStore({ maxKeys });
          const model = modelLimiter(maxKeys);
          let now = 0;
          for (const step of steps) {
            now += step.advance;
            const options = { windowMs: 1000, max, now };
            expect(store.consume(`k${step.key}`, options)).toEqual(model.consume(`k${step.key}`, options));
            expect(store.size()).toBe(model.size());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("matches the model with many keys too (table growth, collisions, deletions in long probe runs)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 300 }), advance: fc.integer({ min: 0, max: 50 }) }), { minLength: 500, maxLength: 2000 }),
        (maxKeys, steps) => {
          const store = createMemoryLimiterStore({ maxKeys });
          const model = modelLimiter(maxKeys);
          let now = 0;
          for (const step of steps) {
            now += step.advance;
            const options = { windowMs: 1000, max: 3, now };
            expect(store.consume(`client-${step.key}`, options)).toEqual(model.consume(`client-${step.key}`, options));
          }
          expect(store.size()).toBe(model.size());
        },
      ),
      { numRuns: 40, endOnFailure: true }, // long runs: report the failing case as found, do not shrink it
    );
  });

  it("tracks at most maxKeys under 100 000 distinct keys and still limits a key seen recently", () => {
    const store = createMemoryLimiterStore({ maxKeys: 1000 });
    const options = { windowMs: 60_000, max: 5, now: 0 };
    for (let i = 0; i < 100_000; i++) {
      store.consume(`spray-${i}`, options);
      if (i % 500 === 0) store.consume("hot", options);
      if (i % 10_000 === 0) expect(store.size()).toBeLessThanOrEqual(1000);
    }
    expect(store.size()).toBe(1000);
    // 200 hot consumes happened in the window: the first 5 allowed, all later ones refused.
    expect(store.consume("hot", options)).toEqual({ allowed: false, remaining: 0, resetAt: 60_000 });
  });
});

describe("in-flight tracker against its model", () => {
  it("acquire/release answer like plain counters, over enough keys to drop idle ones many times", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 2500 }), release: fc.nat() }), { minLength: 3000, maxLength: 6000 }),
        fc.integer({ min: 1, max: 3 }),
        (steps, max) => {
          const tracker = createInFlightTracker();
          const model = new Map<number, number>();
          const held: Array<{ key: number; release: () => void }> = [];
          for (const step of steps) {
            const release = tracker.acquire(`k${step.key}`, max);
            const count = model.get(step.key) ?? 0;
            expect(release !== undefined).toBe(count < max);
            if (release) {
              model.set(step.key, count + 1);
              held.push({ key: step.key, release });
            }
            // Release one held slot now and then (twice: release is idempotent).
            if (held.length > 0 && step.release % 4 !== 0) {
              const [h] = held.splice(step.release % held.length, 1);
              h!.release();
              h!.release();
              model.set(h!.key, model.get(h!.key)! - 1);
            }
            expect(tracker.held()).toBe(held.length);
          }
          for (const h of held) h.release();
          expect(tracker.held()).toBe(0);
        },
      ),
      { numRuns: 30, endOnFailure: true }, // long runs: report the failing case as found, do not shrink it
    );
  });

  it("dropping idle keys never drops a busy one: hot clients stay at their limit through many drops", () => {
    const tracker = createInFlightTracker();
    const hot = Array.from({ length: 10 }, (_, i) => `hot-${i}`);
    // Half the hot clients hold one slot of one, half two of two.
    const hotMax = (i: number) => (i % 2 === 0 ? 1 : 2);
    const hotReleases = hot.flatMap((key, i) => Array.from({ length: hotMax(i) }, () => tracker.acquire(key, hotMax(i))!));
    for (let round = 0; round < 8; round++) {
      // 1 500 one-off clients come and go: more than 1 024 idle keys, so idle keys are dropped.
      const releases = Array.from({ length: 1500 }, (_, i) => tracker.acquire(`round-${round}-${i}`, 2)!);
      for (const release of releases) release();
      hot.forEach((key, i) => expect(tracker.acquire(key, hotMax(i))).toBeUndefined());
      expect(tracker.held()).toBe(15);
    }
    for (const release of hotReleases) release();
    expect(tracker.held()).toBe(0);
    hot.forEach((key, i) => expect(tracker.acquire(key, hotMax(i))).toBeTypeOf("function"));
  });
});

const headersFor = (extra: Record<string, string | undefined> = {}) => ({
  "content-type": "application/json",
  authorization: `Bearer ${SECRET}`,
  ...extra,
});

describe("floods through the handler", () => {
  it("a spray of forwarded client addresses beyond the key cap keeps the limiter bounded; the hot client stays limited", async () => {
    const limiterStore = createMemoryLimiterStore({ maxKeys: 500 });
    const { send, handler, clock } = hostileSetup({
      limiterStore,
      trustedProxies: ["127.0.0.1"],
      routeExtra: { limits: { rateLimit: { windowMs: 60_000, max: 30 } } },
    });
    const hot = { "x-forwarded-for": "203.0.113.50" };
    const statuses: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Unauthenticated spray: each request a new client identity (TEST-NET-2 / 2001:db8::/32).
      const xff = i % 2 === 0 ? `198.51.100.${i & 255}, 198.51.${(i >> 8) & 255}.${i & 255}` : `2001:db8:${i.toString(16)}::1`;
      const sprayed = await send({
        remoteAddress: "127.0.0.1",
        headers: headersFor({ authorization: "Bearer wrong", "x-forwarded-for": xff }),
        text: "{}",
      });
      expect(sprayed!.status).toBe(401);
      if (i % 100 === 0) {
        const r = await send({ remoteAddress: "127.0.0.1", headers: headersFor(hot), json: { action: "list_flows" } });
        expectNoLeak(r);
        statuses.push(r!.status);
        expect(limiterStore.size()).toBeLessThanOrEqual(500);
      }
    }
    expect(limiterStore.size()).toBe(500);
    expect(statuses.length).toBe(200);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    expect(handler.inFlight()).toBe(0);
    // A new window lets the hot client in again.
    clock.advance(60_000);
    const again = await send({ remoteAddress: "127.0.0.1", headers: headersFor(hot), json: { action: "list_flows" } });
    expect(again!.status).toBe(200);
    expect(again!.headers["ratelimit-remaining"]).toBe("29");
  });

  it("a spray of socket addresses (no proxy) is bounded the same way; one /64 is one client", async () => {
    const limiterStore = createMemoryLimiterStore({ maxKeys: 256 });
    const { send, handler } = hostileSetup({ limiterStore, routeExtra: { limits: { rateLimit: { max: 3 } } } });
    for (let i = 0; i < 5_000; i++) {
      const r = await send({ remoteAddress: `2001:db8:${i.toString(16)}::1`, json: { action: "list_flows" } });
      expect(r!.status).toBe(200);
    }
    expect(limiterStore.size()).toBe(256);
    const oneNetwork = [];
    for (let i = 0; i < 1_000; i++) {
      oneNetwork.push((await send({ remoteAddress: `2001:db8:ffff:1:${i.toString(16)}::9`, json: { action: "list_flows" } }))!.status);
    }
    expect(oneNetwork.filter((s) => s === 200)).toHaveLength(3);
    expect(handler.inFlight()).toBe(0);
  });

  it("forwarding headers from an untrusted peer cannot mint fresh identities", async () => {
    const limiterStore = createMemoryLimiterStore({ maxKeys: 100 });
    const { send } = hostileSetup({
      limiterStore,
      trustedProxies: ["127.0.0.1"],
      routeExtra: { limits: { rateLimit: { max: 10 } } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const r = await send({
        remoteAddress: "198.51.100.9",
        headers: headersFor({ "x-forwarded-for": `203.0.113.${i & 255}`, forwarded: `for=203.0.114.${i & 255}` }),
        json: { action: "list_flows" },
      });
      statuses.push(r!.status);
    }
    expect(limiterStore.size()).toBe(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(990);
  });

  it("an in-flight flood from one client is refused past its slots and every slot comes back", async () => {
    const { send, handler } = hostileSetup({ routeExtra: { limits: { maxInFlight: 8, rateLimit: { max: 1e9 } } } });
    const streams = Array.from({ length: 50 }, () => {
      const listeners: Record<string, Array<(...args: any[]) => void>> = {};
      return {
        on(event: string, listener: (...args: any[]) => void) {
          (listeners[event] ??= []).push(listener);
        },
        removeListener() {},
        emit(event: string, ...args: unknown[]) {
          for (const l of listeners[event] ?? []) l(...args);
        },
      };
    });
    const pending = streams.map((stream) => send({ body: { kind: "node", stream } }));
    await new Promise((r) => setImmediate(r));
    expect(handler.inFlight()).toBe(8);
    for (const stream of streams) {
      stream.emit("data", Buffer.from(JSON.stringify({ action: "list_flows" })));
      stream.emit("end");
    }
    const answers = await Promise.all(pending);
    expect(answers.filter((r) => r!.status === 200)).toHaveLength(8);
    expect(answers.filter((r) => r!.status === 429 && JSON.parse(r!.body).code === "too_many_in_flight")).toHaveLength(42);
    for (const r of answers) expectNoLeak(r);
    expect(handler.inFlight()).toBe(0);
  });
});
