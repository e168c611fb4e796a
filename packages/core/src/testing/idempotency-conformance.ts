// The IdempotencyStore conformance kit: one suite every implementation of the port runs
// (memory, SQLite, the Gateway's node:sqlite store, PostgreSQL), so the pipeline cannot tell
// them apart. Rules: ports/idempotency-store.ts. One fresh store and manual clock per test.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IdempotencyStore, StoredAnswer } from "../ports/idempotency-store.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";

export interface IdempotencyConformanceBackend {
  store: IdempotencyStore;
  /** Called after each test. */
  close?(): void | Promise<void>;
  /** Closes and opens the same storage again (a restart); required with `durable: true`. */
  reopen?(): IdempotencyStore | Promise<IdempotencyStore>;
}

export interface IdempotencyConformanceOptions {
  /** The store keeps records across a restart: registers the test that they survive `reopen`. */
  durable?: boolean;
}

export type IdempotencyConformanceFactory = (ctx: {
  clock: ManualClock;
}) => IdempotencyConformanceBackend | Promise<IdempotencyConformanceBackend>;

const LOCK_MS = 30_000;
const TTL_MS = 24 * 3_600_000;
const SCOPE = "zapier\norder-4711";
const FP = "a".repeat(64);
const OTHER_FP = "b".repeat(64);
const ANSWER: StoredAnswer = { status: 200, body: '{"ok":true,"routeId":"zapier","result":{"goal":"Überprüfen ✓"}}' };

export function describeIdempotencyStoreConformance(
  name: string,
  create: IdempotencyConformanceFactory,
  options: IdempotencyConformanceOptions = {},
): void {
  describe(`IdempotencyStore conformance: ${name}`, () => {
    let clock: ManualClock;
    let backend: IdempotencyConformanceBackend | undefined;
    let store: IdempotencyStore;
    beforeEach(async () => {
      clock = createManualClock();
      backend = await create({ clock });
      store = backend.store;
    });
    afterEach(async () => {
      const finished = backend;
      backend = undefined;
      await finished?.close?.();
    });
    const reserve = (fp = FP, scope = SCOPE) => Promise.resolve(store.reserve(scope, fp, { now: clock.now(), lockMs: LOCK_MS }));
    const complete = (token: string, answer = ANSWER, scope = SCOPE, ttlMs = TTL_MS) =>
      Promise.resolve(store.complete(scope, token, answer, { now: clock.now(), ttlMs }));
    const tokenOf = async (fp = FP, scope = SCOPE) => {
      const r = await reserve(fp, scope);
      if (r.state !== "reserved") throw new Error(`expected a reservation, got ${r.state}`);
      expect(typeof r.token).toBe("string");
      return r.token;
    };

    it("the first reserve claims the scope; a second one with the same fingerprint is in progress until the lock ends", async () => {
      await tokenOf();
      clock.advance(1_000);
      expect(await reserve()).toEqual({ state: "in_progress", lockedUntil: clock.now() - 1_000 + LOCK_MS });
    });

    it("a reserve with another fingerprint is a mismatch, while reserved and once completed", async () => {
      const token = await tokenOf();
      expect(await reserve(OTHER_FP)).toEqual({ state: "mismatch" });
      expect(await complete(token)).toBe(true);
      expect(await reserve(OTHER_FP)).toEqual({ state: "mismatch" });
    });

    it("a completed answer is replayed exactly (status, body) for the same fingerprint", async () => {
      const token = await tokenOf();
      const answer = { status: 202, body: '{"ok":true,"code":"cancel_pending","result":{"tasks":[]}}' };
      expect(await complete(token, answer)).toBe(true);
      expect(await reserve()).toEqual({ state: "completed", answer });
      expect(await reserve()).toEqual({ state: "completed", answer });
    });

    it("scopes are independent (another route or another key)", async () => {
      await tokenOf();
      await tokenOf(FP, "zapier\norder-4712");
      await tokenOf(FP, "n8n\norder-4711");
    });

    it("release lets the next reserve run anew with a new token; a wrong token releases nothing", async () => {
      const token = await tokenOf();
      await store.release(SCOPE, "not-the-token");
      expect((await reserve()).state).toBe("in_progress");
      await store.release(SCOPE, token);
      const again = await tokenOf();
      expect(again).not.toBe(token);
    });

    it("complete with a wrong token stores nothing; a second complete changes nothing", async () => {
      const token = await tokenOf();
      expect(await complete("not-the-token")).toBe(false);
      expect((await reserve()).state).toBe("in_progress");
      expect(await complete(token)).toBe(true);
      expect(await complete(token, { status: 409, body: "{}" })).toBe(false);
      expect(await reserve()).toEqual({ state: "completed", answer: ANSWER });
    });

    it("a lapsed lock (crashed holder) is taken over; the old holder can then neither complete nor release", async () => {
      const stale = await tokenOf();
      clock.advance(LOCK_MS - 1);
      expect((await reserve()).state).toBe("in_progress");
      clock.advance(1);
      const fresh = await tokenOf();
      expect(fresh).not.toBe(stale);
      expect(await complete(stale)).toBe(false);
      await store.release(SCOPE, stale);
      expect((await reserve()).state).toBe("in_progress");
      expect(await complete(fresh)).toBe(true);
      expect(await reserve()).toEqual({ state: "completed", answer: ANSWER });
    });

    it("an answer is replayed until its TTL ends, then the scope is free again (any fingerprint)", async () => {
      expect(await complete(await tokenOf(), ANSWER, SCOPE, 3_600_000)).toBe(true);
      clock.advance(3_600_000 - 1);
      expect((await reserve()).state).toBe("completed");
      clock.advance(1);
      await tokenOf(OTHER_FP);
    });

    it("of ten overlapping reserve calls for one scope exactly one is granted", async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => reserve()));
      expect(results.filter((r) => r.state === "reserved")).toHaveLength(1);
      expect(results.filter((r) => r.state === "in_progress")).toHaveLength(9);
    });

    if (!options.durable) return;
    it("records survive a reopen of the storage (reservations and answers)", async () => {
      if (!backend?.reopen) throw new Error("durable: true needs backend.reopen()");
      const token = await tokenOf();
      await tokenOf(FP, "zapier\npending");
      expect(await complete(token)).toBe(true);
      store = await backend.reopen();
      backend.store = store;
      expect(await reserve()).toEqual({ state: "completed", answer: ANSWER });
      expect((await reserve(FP, "zapier\npending")).state).toBe("in_progress");
    });
  });
}
