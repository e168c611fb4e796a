// Bounds one TaskFlow call in time. A runtime that never settles must not hold the
// caller's in-flight slot for good: at the deadline the caller is answered (outcome
// unknown) and the slot goes back; whatever the call does later is reported once through
// `onLate`, never to the caller. The timer comes from the clock port and is cleared on
// every path.
import type { Clock } from "../ports/clock.js";

export type DeadlineOutcome<T> = { timedOut: false; value: T } | { timedOut: true };

export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  clock: Clock,
  onLate: (settlement: "resolved" | "rejected", error?: unknown) => void,
): Promise<DeadlineOutcome<T>> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      resolve({ timedOut: true });
    }, ms);
    work.then(
      (value) => {
        if (timedOut) return onLate("resolved");
        clock.clearTimeout(timer);
        resolve({ timedOut: false, value });
      },
      (error: unknown) => {
        if (timedOut) return onLate("rejected", error);
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
