// A LimiterStore on Redis ≥ 6 or Valkey, so every server instance behind a load balancer
// shares one fixed window per route and client. One EVALSHA per request (the script in
// fixed-window-script.ts); keys are prefixed and expire with their window.
//
// A store that is down or slow must never hold a request: the client does not queue
// commands while disconnected (they fail at once), and every consume races a timer
// (`timeoutMs`, default 500 ms, cleared when the answer comes). A failed consume rejects;
// the handler's `onLimiterError` then allows or denies the request. ioredis reconnects on
// its own, so the store recovers without a restart.
import { Redis, type RedisOptions } from "ioredis";
import type { ConsumeOptions, ConsumeResult, LimiterStore } from "@taskflow-webhooks/core";
import { FIXED_WINDOW_LUA } from "./fixed-window-script.js";

export const DEFAULT_KEY_PREFIX = "taskflow-webhooks:rate:";
export const DEFAULT_REDIS_TIMEOUT_MS = 500;

export interface RedisLimiterStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Ignored when `client` is given. */
  url?: string;
  /** An ioredis client you own (Sentinel, TLS options, …). `close()` leaves it open. */
  client?: Redis;
  /** Put before every key, so several deployments can share one Redis. Default `taskflow-webhooks:rate:`. */
  keyPrefix?: string;
  /** Longest a consume (and a health ping) may take before it fails. Default 500 ms. */
  timeoutMs?: number;
}

export interface RedisLimiterStore extends LimiterStore {
  consume(key: string, options: ConsumeOptions): Promise<ConsumeResult>;
  /** Resolves true once connected, false if not within `ms` (default: 2 × timeoutMs). Never throws. */
  ready(ms?: number): Promise<boolean>;
  /** PING within the timeout: for health checks. Never throws. */
  isHealthy(): Promise<boolean>;
  /** Closes the connection this store opened (not one passed in). Idempotent. */
  close(): Promise<void>;
}

type ScriptClient = Redis & { taskflowFixedWindow(key: string, now: number, windowMs: number): Promise<[number, number]> };

export class RedisLimiterTimeoutError extends Error {
  override readonly name = "RedisLimiterTimeoutError";
}

export function openRedisLimiterStore(options: RedisLimiterStoreOptions): RedisLimiterStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`timeoutMs must be a positive number, not ${timeoutMs}.`);
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const owned = options.client === undefined;
  if (owned && !options.url) throw new TypeError("openRedisLimiterStore needs a url or a client.");

  const client = (options.client ?? new Redis(options.url!, clientOptions(timeoutMs))) as ScriptClient;
  // Without a listener an unreachable server would print an unhandled 'error' per retry;
  // failures reach the caller through the rejected consume instead.
  if (owned) client.on("error", () => {});
  if (typeof client.taskflowFixedWindow !== "function") {
    client.defineCommand("taskflowFixedWindow", { numberOfKeys: 1, lua: FIXED_WINDOW_LUA });
  }

  const withTimeout = <T>(work: Promise<T>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisLimiterTimeoutError(`Redis ${what} took longer than ${timeoutMs} ms.`)), timeoutMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  let closed = false;
  return {
    async consume(key, { windowMs, max, now }) {
      const [count, resetAt] = await withTimeout(
        client.taskflowFixedWindow(prefix + key, Math.floor(now), Math.max(1, Math.ceil(windowMs))),
        "rate-limit consume",
      );
      return { allowed: count <= max, remaining: Math.max(0, max - count), resetAt: Number(resetAt) };
    },
    ready(ms = 2 * timeoutMs) {
      if (client.status === "ready") return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          client.off("ready", onReady);
          resolve(value);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        client.on("ready", onReady);
      });
    },
    async isHealthy() {
      if (closed) return false;
      try {
        return (await withTimeout(client.ping(), "ping")) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) client.disconnect();
    },
  };
}

function clientOptions(timeoutMs: number): RedisOptions {
  return {
    // Fail a command at once while disconnected instead of queueing it behind a reconnect.
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails instead of being retried later.
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1_000, timeoutMs),
    // Keep reconnecting (capped backoff) for as long as the process runs.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  };
}
