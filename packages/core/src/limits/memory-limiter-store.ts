// Fixed-window rate-limit counters in process memory, bounded by `maxKeys` plus a fixed
// count-min sketch. Keys sit in a least-recently-seen list: every consume moves its key to
// the end, and a new key arriving at the cap evicts the key at the front. So a spray of
// distinct client keys can never grow memory past the cap.
//
// An evicted key whose window is still open is not forgotten: its count goes into a
// count-min sketch (window-sketch.ts, 512 KiB, allocated on the first such eviction), and
// when the key comes back its window is restored from there. The sketch only over-counts, so
// a spray can make some other client look busier than it is (when all 4 of its cells are
// taken: rare below ~16 000 open windows pushed out, common far above), never let a client
// past its limit. The alternative, refusing new keys while the table
// holds only open windows, would let one spray lock every new client out for a window.
// Only the requests counted since a key was (re)admitted are folded in on eviction, so a
// key evicted and restored again and again is not counted twice.
//
// The table is our own hash table over typed arrays: entries chained per bucket, at least
// twice as many buckets as entries, and the list as index links beside the chain link. A V8
// Map does the lookups well, but a spray at the cap deletes one key and inserts another on
// every call, and its ordered table fills with deleted slots that it keeps rehashing away
// (about 330 ns per call at 4 096 keys on the bench machine). Chaining makes that delete
// and insert a few link writes (linear probing over entry indexes, before, searched and
// shifted probe runs, reading each probed entry's hash elsewhere).
// The hash is seeded per store (random), so a caller cannot prepare colliding client
// addresses offline.
import { randomInt } from "node:crypto";
import { createWindowSketch } from "./window-sketch.js";
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

/** No entry: an empty bucket, the end of a chain or of the list. */
const enum Entry {
  None = -1,
}

// An entry's integer fields, Link.Size apart in `links` (one entry's fields share a cache
// line). Const enums compile to number literals, so the hot path loads no constants.
const enum Link {
  Hash,
  Older,
  Newer,
  /** The next entry in its bucket's chain. */
  Next,
  Size,
}
// Its window, Window.Size apart in `windows`: numbers, as a route's max may be any number.
const enum Window {
  Count,
  /** The entry's count when it was (re)admitted: what the sketch already holds for it. */
  Base,
  Reset,
  Size = 4,
}

export function createMemoryLimiterStore(options: MemoryLimiterStoreOptions = {}): MemoryLimiterStore {
  const maxKeys = Math.max(1, options.maxKeys ?? 4096);
  const seed = randomInt(0x7fffffff) | 1;

  // Entries 0..size-1; the arrays grow by doubling up to maxKeys entries.
  const keys: string[] = [];
  let capacity = Math.min(maxKeys, 16);
  let links = new Int32Array(capacity * Link.Size);
  let windows = new Float64Array(capacity * Window.Size);
  let size = 0;
  let oldest = Entry.None;
  let newest = Entry.None;

  // Bucket heads (entry index or Entry.None): a power of two, at least twice the capacity.
  const bucketsFor = (entries: number) => new Int32Array(2 ** Math.ceil(Math.log2(entries * 2))).fill(Entry.None);
  let buckets = bucketsFor(capacity);
  let mask = buckets.length - 1;

  const hashOf = (key: string): number => {
    // Two UTF-16 code units (an injective 32-bit word) per multiply-mix round, as Murmur3
    // takes 4 bytes: half the rounds of one per unit. The length goes in at the end, so a
    // trailing "\0" unit still changes the hash.
    const length = key.length;
    let h = seed;
    let i = 0;
    for (; i + 1 < length; i += 2) {
      h = Math.imul(h ^ (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16)), 0x5bd1e995);
      h ^= h >>> 15;
    }
    if (i < length) {
      h = Math.imul(h ^ key.charCodeAt(i), 0x5bd1e995);
      h ^= h >>> 15;
    }
    h ^= length;
    h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
    return (h ^ (h >>> 16)) | 0;
  };

  const find = (key: string, hash: number): number => {
    let e = buckets[hash & mask]!;
    while (e !== Entry.None && (links[e * Link.Size + Link.Hash] !== hash || keys[e] !== key)) e = links[e * Link.Size + Link.Next]!;
    return e;
  };

  const chain = (e: number) => {
    const b = links[e * Link.Size + Link.Hash]! & mask;
    links[e * Link.Size + Link.Next] = buckets[b]!;
    buckets[b] = e;
  };

  const unchain = (e: number) => {
    const b = links[e * Link.Size + Link.Hash]! & mask;
    let at = buckets[b]!;
    if (at === e) {
      buckets[b] = links[e * Link.Size + Link.Next]!;
      return;
    }
    while (links[at * Link.Size + Link.Next] !== e) at = links[at * Link.Size + Link.Next]!;
    links[at * Link.Size + Link.Next] = links[e * Link.Size + Link.Next]!;
  };

  const grow = () => {
    capacity = Math.min(maxKeys, capacity * 2);
    const grownLinks = new Int32Array(capacity * Link.Size);
    grownLinks.set(links);
    links = grownLinks;
    const grownWindows = new Float64Array(capacity * Window.Size);
    grownWindows.set(windows);
    windows = grownWindows;
    buckets = bucketsFor(capacity);
    mask = buckets.length - 1;
    for (let e = 0; e < size; e++) chain(e);
  };

  const sketch = createWindowSketch();

  const unlink = (e: number) => {
    const o = links[e * Link.Size + Link.Older]!;
    const n = links[e * Link.Size + Link.Newer]!;
    if (o === Entry.None) oldest = n;
    else links[o * Link.Size + Link.Newer] = n;
    if (n === Entry.None) newest = o;
    else links[n * Link.Size + Link.Older] = o;
  };

  const append = (e: number) => {
    links[e * Link.Size + Link.Older] = newest;
    links[e * Link.Size + Link.Newer] = Entry.None;
    if (newest === Entry.None) oldest = e;
    else links[newest * Link.Size + Link.Newer] = e;
    newest = e;
  };

  /**
   * An entry for a key the table does not hold: a new one below the cap, else the least
   * recently seen key's (its open window into the sketch). Its window is restored from the
   * sketch, else a fresh one.
   */
  const admit = (key: string, hash: number, now: number, windowMs: number): number => {
    let e: number;
    // The evicted key's requests since it was (re)admitted, if its window is still open.
    let outHash = 0;
    let outCount = 0;
    let outResetAt = 0;
    if (size >= maxKeys) {
      e = oldest;
      const w = e * Window.Size;
      outResetAt = windows[w + Window.Reset]!;
      if (outResetAt > now) outCount = windows[w + Window.Count]! - windows[w + Window.Base]!;
      outHash = links[e * Link.Size + Link.Hash]!;
      unlink(e);
      unchain(e);
    } else {
      if (size === capacity) grow();
      e = size++;
    }
    keys[e] = key;
    links[e * Link.Size + Link.Hash] = hash;
    chain(e);
    append(e);
    const count = sketch.admit(hash, now, outHash, outCount, outResetAt);
    const w = e * Window.Size;
    windows[w + Window.Count] = count;
    windows[w + Window.Base] = count;
    windows[w + Window.Reset] = count === 0 ? now + windowMs : sketch.resetAt();
    return e;
  };

  /** Entry `e` seen again: to the end of the list, and a fresh window once its own has ended. */
  const refresh = (e: number, now: number, windowMs: number) => {
    if (e !== newest) {
      unlink(e);
      append(e);
    }
    const w = e * Window.Size;
    if (windows[w + Window.Reset]! <= now) {
      windows[w + Window.Count] = 0;
      windows[w + Window.Base] = 0;
      windows[w + Window.Reset] = now + windowMs;
    }
  };

  return {
    consume(key, { windowMs, max, now }) {
      const hash = hashOf(key);
      let e = find(key, hash);
      if (e === Entry.None) e = admit(key, hash, now, windowMs);
      else refresh(e, now, windowMs);
      // A restored count may exceed this call's max (the sketch over-counts): refuse.
      const w = e * Window.Size;
      const count = windows[w + Window.Count]!;
      if (count >= max) return { allowed: false, remaining: 0, resetAt: windows[w + Window.Reset]! };
      windows[w + Window.Count] = count + 1;
      return { allowed: true, remaining: max - count - 1, resetAt: windows[w + Window.Reset]! };
    },
    size: () => size,
  };
}
