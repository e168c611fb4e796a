// Samples this process's resident set size every few milliseconds between start() and
// stop(), so a short-lived peak (a buffered upload) cannot hide between two readings.
import { memoryUsage } from "node:process";

export function startRssSampler(everyMs = 2) {
  let timer;
  let before = 0;
  let peak = 0;
  const sample = () => {
    const rss = memoryUsage.rss();
    if (rss > peak) peak = rss;
  };
  return {
    start() {
      globalThis.gc?.();
      before = memoryUsage.rss();
      peak = before;
      clearInterval(timer);
      timer = setInterval(sample, everyMs);
    },
    stop() {
      sample();
      clearInterval(timer);
      return { before, peak, after: memoryUsage.rss(), growth: peak - before };
    },
  };
}

export const MiB = 1024 * 1024;
