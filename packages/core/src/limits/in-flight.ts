// Concurrent-request counters per route and client. A key's slot counter stays in the map
// while it is idle (count 0) so that a client sending one request after another does not
// delete and re-insert its key every time (which makes V8 shrink and regrow the table);
// idle keys are dropped in one pass once they outnumber both 1 024 and the busy keys. So
// memory stays bounded by the requests actually in flight (plus at most that many idle
// keys, or 1 024), and each pass is paid for by the idle keys it removes.

export interface InFlightTracker {
  /** A release function when a slot was free, else `undefined`. Release is idempotent. */
  acquire(key: string, max: number): (() => void) | undefined;
  /** Slots held right now across all keys. */
  held(): number;
}

const IDLE_KEYS_KEPT = 1024;

interface Slots {
  held: number;
}

export function createInFlightTracker(): InFlightTracker {
  let slots = new Map<string, Slots>();
  let total = 0;
  let idle = 0;

  const dropIdleKeys = () => {
    const busy = new Map<string, Slots>();
    for (const [key, s] of slots) if (s.held > 0) busy.set(key, s);
    slots = busy;
    idle = 0;
  };

  return {
    acquire(key, max) {
      let s = slots.get(key);
      if ((s?.held ?? 0) >= max) return undefined;
      if (s === undefined) slots.set(key, (s = { held: 0 }));
      else if (s.held === 0) idle -= 1;
      s.held += 1;
      total += 1;
      const counter = s;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        counter.held -= 1;
        if (counter.held === 0) {
          idle += 1;
          if (idle > IDLE_KEYS_KEPT && idle * 2 > slots.size) dropIdleKeys();
        }
      };
    },
    held: () => total,
  };
}
