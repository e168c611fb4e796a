// Fixed-window rate-limit counters in process memory, bounded by `maxKeys`.
// Keys sit in a least-recently-seen list: every consume moves its key to the end, and a new
// key arriving at the cap evicts the key at the front. So a spray of distinct client keys
// can never grow memory past the cap, while a hot key that keeps arriving stays tracked
// and stays limited.
//
// The list is an intrusive doubly linked list beside a Map used only for lookup: a hit
// relinks two pointers and never mutates the Map. (Re-inserting a key into a V8 Map to
// move it to the end, and `keys().next()` to find the oldest, leave deleted slots that make
// both cost O(maxKeys) at the cap: about 10 µs per request at 4 096 keys.) An evicted
// entry's object is reused for the newcomer, so a spray allocates no windows.
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
  key: string;
  count: number;
  resetAt: number;
  /** Seen less recently (towards the front of the list). */
  older: Window | undefined;
  /** Seen more recently (towards the end of the list). */
  newer: Window | undefined;
}

export function createMemoryLimiterStore(options: MemoryLimiterStoreOptions = {}): MemoryLimiterStore {
  const maxKeys = Math.max(1, options.maxKeys ?? 4096);
  const windows = new Map<string, Window>();
  let oldest: Window | undefined;
  let newest: Window | undefined;

  const unlink = (w: Window) => {
    if (w.older) w.older.newer = w.newer;
    else oldest = w.newer;
    if (w.newer) w.newer.older = w.older;
    else newest = w.older;
    w.older = w.newer = undefined;
  };
  const append = (w: Window) => {
    w.older = newest;
    if (newest) newest.newer = w;
    else oldest = w;
    newest = w;
  };

  return {
    consume(key, { windowMs, max, now }) {
      let w = windows.get(key);
      if (w !== undefined) {
        if (w !== newest) {
          unlink(w);
          append(w);
        }
        if (w.resetAt <= now) {
          w.count = 0;
          w.resetAt = now + windowMs;
        }
      } else {
        if (windows.size >= maxKeys && oldest !== undefined) {
          w = oldest;
          unlink(w);
          windows.delete(w.key);
          w.key = key;
          w.count = 0;
          w.resetAt = now + windowMs;
        } else {
          w = { key, count: 0, resetAt: now + windowMs, older: undefined, newer: undefined };
        }
        windows.set(key, w);
        append(w);
      }
      if (w.count >= max) return { allowed: false, remaining: 0, resetAt: w.resetAt };
      w.count += 1;
      return { allowed: true, remaining: max - w.count, resetAt: w.resetAt };
    },
    size: () => windows.size,
  };
}
