// Fixed-window rate-limit counters in process memory, bounded by `maxKeys`.
// The Map doubles as an LRU list (re-inserting a key moves it to the end), so both the
// lookup and the eviction of the least recently seen key are O(1): a spray of distinct
// client keys costs constant work per request and can never grow memory past the cap,
// while a hot key that keeps arriving stays tracked and stays limited.
import type { ConsumeOptions, ConsumeResult, LimiterStore } from "../ports/limiter-store.js";

export interface MemoryLimiterStoreOptions {
  /** Most keys tracked at once (default 4096, as the reference). */
  maxKeys?: number;
}

export interface MemoryLimiterStore extends LimiterStore {
  consume(key: string, options: ConsumeOptions): ConsumeResult;
  /** Keys currently tracked (for monitoring and tests). */
  size(): number;
}

interface Window {
  count: number;
  resetAt: number;
}

export function createMemoryLimiterStore(options: MemoryLimiterStoreOptions = {}): MemoryLimiterStore {
  const maxKeys = Math.max(1, options.maxKeys ?? 4096);
  const windows = new Map<string, Window>();

  return {
    consume(key, { windowMs, max, now }) {
      let w = windows.get(key);
      if (w !== undefined) {
        windows.delete(key);
        if (w.resetAt <= now) w = undefined;
      } else if (windows.size >= maxKeys) {
        const oldest = windows.keys().next().value as string;
        windows.delete(oldest);
      }
      if (w === undefined) w = { count: 0, resetAt: now + windowMs };
      windows.set(key, w);
      if (w.count >= max) return { allowed: false, remaining: 0, resetAt: w.resetAt };
      w.count += 1;
      return { allowed: true, remaining: max - w.count, resetAt: w.resetAt };
    },
    size: () => windows.size,
  };
}
