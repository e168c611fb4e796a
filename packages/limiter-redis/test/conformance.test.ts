import { describeLimiterStoreConformance } from "@taskflow-webhooks/core/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { openRedisLimiterStore } from "../src/index.js";
import { connectTestRedis, dropKeyPrefix, testKeyPrefix, TEST_REDIS_URL } from "./redis-url.js";

const prefix = testKeyPrefix();
let admin: Redis;
let n = 0;
beforeAll(async () => {
  admin = await connectTestRedis();
});
afterAll(async () => {
  await dropKeyPrefix(admin, prefix);
  admin.disconnect();
});

// A fresh sub-prefix per test: an empty store on the shared server.
describeLimiterStoreConformance("redis", async () => {
  const store = openRedisLimiterStore({ url: TEST_REDIS_URL, keyPrefix: `${prefix}${++n}:`, timeoutMs: 5_000 });
  if (!(await store.ready(5_000))) throw new Error(`Redis at ${TEST_REDIS_URL} did not become ready (TEST_REDIS_URL)`);
  return { store, close: () => store.close() };
});
