// Concurrent-request counters per route and client. Entries exist only while a request
// holds a slot, so memory is bounded by the requests actually in flight.

export interface InFlightTracker {
  /** A release function when a slot was free, else `undefined`. Release is idempotent. */
  acquire(key: string, max: number): (() => void) | undefined;
  /** Slots held right now across all keys. */
  held(): number;
}

export function createInFlightTracker(): InFlightTracker {
  const counts = new Map<string, number>();
  let total = 0;
  return {
    acquire(key, max) {
      const current = counts.get(key) ?? 0;
      if (current >= max) return undefined;
      counts.set(key, current + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const n = (counts.get(key) ?? 1) - 1;
        if (n <= 0) counts.delete(key);
        else counts.set(key, n);
      };
    },
    held: () => total,
  };
}
