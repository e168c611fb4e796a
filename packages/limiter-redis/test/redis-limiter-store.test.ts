// What the conformance kit cannot see: where the keys live and how long, several
// connections racing on one window, and a Redis that is down or stalls.
import { createServer, type Server } from "node:net";
import { createWebhookHandler, createMemoryTaskFlowRuntime, type Logger } from "@taskflow-webhooks/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRedisLimiterStore, type RedisLimiterStore } from "../src/index.js";
import { connectTestRedis, dropKeyPrefix, testKeyPrefix, TEST_REDIS_URL } from "./redis-url.js";

const prefix = testKeyPrefix();
let admin: Redis;
const opened: RedisLimiterStore[] = [];
beforeAll(async () => {
  admin = await connectTestRedis();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await dropKeyPrefix(admin, prefix);
  admin.disconnect();
});

async function open(options: { keyPrefix?: string; timeoutMs?: number; url?: string } = {}) {
  const store = openRedisLimiterStore({ url: TEST_REDIS_URL, keyPrefix: prefix, timeoutMs: 5_000, ...options });
  opened.push(store);
  if (!options.url && !(await store.ready(5_000))) throw new Error(`Redis at ${TEST_REDIS_URL} not ready (TEST_REDIS_URL)`);
  return store;
}

describe("keys", () => {
  it("are prefixed and expire with their window (PEXPIRE set on the first hit only)", async () => {
    const store = await open({ keyPrefix: `${prefix}ttl:` });
    const now = Date.now();
    await store.consume("demo\n192.0.2.9", { windowMs: 30_000, max: 5, now });
    const key = `${prefix}ttl:demo\n192.0.2.9`;
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await admin.hgetall(key)).toEqual({ c: "1", r: String(now + 30_000) });
    // A later hit in the same window does not push the expiry out.
    await admin.pexpire(key, 20_000);
    await store.consume("demo\n192.0.2.9", { windowMs: 30_000, max: 5, now: now + 1 });
    expect(await admin.pttl(key)).toBeLessThanOrEqual(20_000);
    expect(await admin.keys(`${prefix}ttl:*`)).toEqual([key]);
  });

  it("are gone once the window has passed", async () => {
    const store = await open({ keyPrefix: `${prefix}gone:` });
    await store.consume("k", { windowMs: 50, max: 1, now: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await admin.exists(`${prefix}gone:k`)).toBe(0);
  });
});

describe("several connections, one window", () => {
  it("four connections racing 200 calls on one key allow exactly max", async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => open({ keyPrefix: `${prefix}race:` })));
    const options = { windowMs: 60_000, max: 37, now: Date.now() };
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => stores[i % stores.length]!.consume("hot", options)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(37);
    expect(new Set(answers.map((a) => a.resetAt)).size).toBe(1);
  });
});

describe("Redis down or slow", () => {
  let blackHole: Server;
  let blackHolePort: number;
  const sockets = new Set<import("node:net").Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a Redis that hangs.
    blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it("a consume on an unreachable server rejects instead of waiting, and health says so", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const store = await open({ url: `redis://127.0.0.1:${port}`, timeoutMs: 200 });
    await expect(store.consume("k", { windowMs: 1_000, max: 1, now: Date.now() })).rejects.toThrow();
    expect(await store.isHealthy()).toBe(false);
  });

  it("a server that never answers: the consume fails at the timeout", async () => {
    const store = await open({ url: `redis://127.0.0.1:${blackHolePort}`, timeoutMs: 150 });
    await expect(store.consume("k", { windowMs: 1_000, max: 1, now: Date.now() })).rejects.toThrow();
  });

  it("a stalled server (CLIENT PAUSE) fails the consume with a timeout, then answers again without a restart", async () => {
    const store = await open({ keyPrefix: `${prefix}pause:`, timeoutMs: 100 });
    const options = () => ({ windowMs: 60_000, max: 10, now: Date.now() });
    expect((await store.consume("k", options())).allowed).toBe(true);
    await admin.call("CLIENT", "PAUSE", "600", "ALL");
    // Our timer or the client's command timeout, whichever fires first: both are timeouts.
    await expect(store.consume("k", options())).rejects.toThrow(/timed out|longer than 100 ms/);
    // After the pause the server answers again (the stalled command finishes too).
    await new Promise((resolve) => setTimeout(resolve, 700));
    const after = await store.consume("k", options());
    expect(after.allowed).toBe(true);
    expect(await store.isHealthy()).toBe(true);
  });

  it("through the handler: allow passes, deny answers 503 limiter_unavailable, one warning", async () => {
    const store = await open({ url: `redis://127.0.0.1:${blackHolePort}`, timeoutMs: 100 });
    const warnings: string[] = [];
    const logger: Logger = { info() {}, warn: (message) => warnings.push(message), error() {} };
    const config = { routes: { demo: { sessionKey: "agent:main:main", secret: "s3cret-s3cret-s3cret" } } };
    const send = (handler: ReturnType<typeof createWebhookHandler>) =>
      handler.handle({
        method: "POST",
        path: "/plugins/webhooks/demo",
        headers: { "content-type": "application/json", authorization: "Bearer s3cret-s3cret-s3cret" },
        remoteAddress: "127.0.0.1",
        body: { kind: "text", text: '{"action":"list_flows"}' },
      });
    const taskFlow = createMemoryTaskFlowRuntime();
    const allow = createWebhookHandler({ config, taskFlow, limiterStore: store, logger });
    const deny = createWebhookHandler({ config, taskFlow, limiterStore: store, logger, onLimiterError: "deny" });
    expect((await send(allow))?.status).toBe(200);
    expect((await send(allow))?.status).toBe(200);
    const denied = await send(deny);
    expect(denied?.status).toBe(503);
    expect(JSON.parse(denied!.body).code).toBe("limiter_unavailable");
    expect(warnings).toHaveLength(2); // one per handler, not one per request
  });
});
