import { afterEach, describe, expect, it } from "vitest";
import { createMemoryLimiterStore, createMemoryTaskFlowRuntime, createWebhookHandler } from "@taskflow-webhooks/core";
import { openSqliteLimiterStore, type SqliteLimiterStore } from "../src/index.js";
import { tempDatabase, type TempDatabase } from "./temp-db.js";

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});
function open(path: string, maxKeys?: number): SqliteLimiterStore {
  const store = openSqliteLimiterStore({ path, ...(maxKeys && { maxKeys }) });
  cleanup.push(() => store.close());
  return store;
}
function temp(): TempDatabase {
  const t = tempDatabase("limits.sqlite");
  cleanup.push(() => t.remove());
  return t;
}

describe("SQLite limiter store", () => {
  it("answers exactly like the memory limiter for the same sequence", () => {
    const sqlite = open(temp().path);
    const memory = createMemoryLimiterStore();
    let now = 1_000;
    for (let i = 0; i < 400; i++) {
      now += (i * 37) % 250;
      const key = `k${i % 3}`;
      const options = { windowMs: 1_000, max: 4, now };
      expect(sqlite.consume(key, options)).toEqual(memory.consume(key, options));
    }
  });

  it("is shared by every process (here: connection) on the same file", () => {
    const file = temp().path;
    const a = open(file);
    const b = open(file);
    const options = { windowMs: 60_000, max: 3, now: 0 };
    expect([a, b, a].map((s) => s.consume("route\n198.51.100.1", options).allowed)).toEqual([true, true, true]);
    expect(b.consume("route\n198.51.100.1", options)).toEqual({ allowed: false, remaining: 0, resetAt: 60_000 });
    expect(a.consume("route\n198.51.100.1", { ...options, now: 60_000 })).toEqual({ allowed: true, remaining: 2, resetAt: 120_000 });
  });

  it("keeps the table bounded under a spray of distinct keys, and a hot key limited", () => {
    const store = open(temp().path, 500);
    const at = (now: number) => ({ windowMs: 60_000_000, max: 2, now });
    store.consume("hot", at(0));
    store.consume("hot", at(0));
    for (let i = 1; i <= 20_000; i++) {
      store.consume(`spray-${i}`, at(i));
      if (i % 400 === 0) expect(store.consume("hot", at(i)).allowed).toBe(false);
    }
    expect(store.size()).toBeLessThan(500 + 1024);
  });

  it("two handlers (two instances) on one limiter file share the rate limit", async () => {
    const file = temp().path;
    const handlers = [open(file), open(file)].map((limiterStore) =>
      createWebhookHandler({
        config: { routes: { d: { sessionKey: "agent:main:main", secret: "s", limits: { rateLimit: { max: 2 } } } } },
        taskFlow: createMemoryTaskFlowRuntime(),
        limiterStore,
      }),
    );
    const send = (i: number) =>
      handlers[i % 2]!.handle({
        method: "POST",
        path: "/plugins/webhooks/d",
        headers: { "content-type": "application/json", authorization: "Bearer s" },
        remoteAddress: "203.0.113.5",
        body: { kind: "text", text: '{"action":"list_flows"}' },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(i))!.status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});
