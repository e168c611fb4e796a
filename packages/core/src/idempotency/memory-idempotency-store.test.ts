import { describe, expect, it } from "vitest";
import { describeIdempotencyStoreConformance } from "../testing/idempotency-conformance.js";
import { createMemoryIdempotencyStore } from "./memory-idempotency-store.js";

describeIdempotencyStoreConformance("memory", () => ({ store: createMemoryIdempotencyStore() }));

describe("memory idempotency store bounds", () => {
  const opts = { now: 0, lockMs: 1_000 };
  const done = { now: 0, ttlMs: 3_600_000 };

  it("holds at most maxRecords scopes; the oldest goes first, the newest stay replayable", () => {
    const store = createMemoryIdempotencyStore({ maxRecords: 100 });
    for (let i = 0; i < 1_000; i++) {
      const r = store.reserve(`s${i}`, "fp", opts);
      if (r.state !== "reserved") throw new Error(r.state);
      store.complete(`s${i}`, r.token, { status: 200, body: `{"i":${i}}` }, done);
    }
    expect(store.size()).toBe(100);
    expect(store.reserve("s999", "fp", opts)).toEqual({ state: "completed", answer: { status: 200, body: '{"i":999}' } });
    expect(store.reserve("s0", "fp", opts).state).toBe("reserved");
  });

  it("holds at most maxAnswerBytes of answers; an answer larger than the budget is not kept", () => {
    const store = createMemoryIdempotencyStore({ maxAnswerBytes: 1_000 });
    const body = "x".repeat(400);
    for (const scope of ["a", "b", "c"]) {
      const r = store.reserve(scope, "fp", opts);
      if (r.state === "reserved") store.complete(scope, r.token, { status: 200, body }, done);
    }
    expect(store.reserve("a", "fp", opts).state).toBe("reserved");
    expect(store.reserve("c", "fp", opts).state).toBe("completed");
    const big = store.reserve("big", "fp", opts);
    if (big.state !== "reserved") throw new Error(big.state);
    expect(store.complete("big", big.token, { status: 200, body: "y".repeat(1_001) }, done)).toBe(false);
    expect(store.reserve("big", "fp", opts).state).toBe("reserved");
  });

  it("sweeps expired records off the front as new keys arrive", () => {
    const store = createMemoryIdempotencyStore();
    for (let i = 0; i < 50; i++) {
      const r = store.reserve(`old${i}`, "fp", opts);
      if (r.state === "reserved") store.complete(`old${i}`, r.token, { status: 200, body: "{}" }, { now: 0, ttlMs: 10 });
    }
    for (let i = 0; i < 20; i++) store.reserve(`new${i}`, "fp", { now: 100, lockMs: 1_000 });
    expect(store.size()).toBe(20);
  });
});
