// Tests run against a real Redis (or Valkey): TEST_REDIS_URL, default redis://127.0.0.1:6379.
// Each test file gets its own key prefix, deleted afterwards. An unreachable server fails
// the file with a message naming the variable; nothing is skipped.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

export async function connectTestRedis(): Promise<Redis> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is unreachable at ${TEST_REDIS_URL} (${(error as Error).message}). Start it (\`.ci/run\` does) or set TEST_REDIS_URL.`,
    );
  }
  return client;
}

/** A prefix no other test file uses: `tfw-test:<uuid>:`. */
export const testKeyPrefix = () => `tfw-test:${randomUUID()}:`;

/** Deletes every key under `prefix`. */
export async function dropKeyPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}
