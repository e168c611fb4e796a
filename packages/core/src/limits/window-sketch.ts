// A count-min sketch of open rate-limit windows, for keys the exact table pushed out. It
// can only over-count: a cell adds every count folded into it and keeps the latest window
// end, and is reset only once that end has passed (so once every window in it has ended).
// A key's estimate is the smallest of its cells, each of which is at least its true count,
// with a window end no earlier than its true one.
//
// 4 rows of 16 384 cells; a cell is an Int32 count beside an Int32 window end relative to
// `base` (one cache line per cell visit): 512 KiB, allocated on the first fold, so a limiter
// that is never sprayed pays nothing. The cells come from the key's seeded 32-bit hash,
// remixed twice, 14 bits per row (no second pass over the key); the evicted key's fold and
// the admitted key's lookup share one pass over the rows. A fresh key finds all 4 of its
// cells taken, and so is refused on a limit of 1, with probability about
// (1 - e^(-n / 16 384))^4 for n open windows folded in: 4e-6 at n = 1 000, 0.2 % at 4 096,
// 16 % at 16 384. (A blocked layout, all 4 cells in one cache line, measured no faster here
// and collided far more often.)

// A const enum compiles to number literals: the hot path loads no constants.
const enum Shape {
  Rows = 4,
  /** Cells per row: 2^14, so one 32-bit remix gives two rows their cells. */
  Width = 16_384,
  /** How far from `base` (ms) a window end may lie, to fit an Int32 cell. */
  Int32Span = 2_000_000_000,
}

export interface WindowSketch {
  /**
   * The estimated count of the key with hash `hash` in an open window (0: none; its window
   * end in `resetAt()`), after adding `outCount` requests of a window ending at `outResetAt`
   * (after `now`) for the key with hash `outHash`, the one it replaces in the table (0: none).
   */
  admit(hash: number, now: number, outHash: number, outCount: number, outResetAt: number): number;
  /** The window end of the last non-zero estimate. */
  resetAt(): number;
}

/** Murmur3's 32-bit finalizer: every input bit moves about half the output bits. */
function remix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The offset of a key's cell in `row`: rows 0-1 take 14 bits each of `a`, rows 2-3 of `b`. */
function cellOf(a: number, b: number, row: number): number {
  const bits = (row < 2 ? a : b) >>> ((row & 1) << 4);
  return (row * Shape.Width + (bits & (Shape.Width - 1))) << 1;
}

/** `now - base` floored into Int32 range: compares with every cell end as the exact value would. */
function relative(now: number, base: number): number {
  return Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(now - base))) | 0;
}

export function createWindowSketch(): WindowSketch {
  let cells = new Int32Array(0); // [count, end] pairs, row after row; empty until the first fold
  // base, latest end (nothing open after it: estimates need no lookup), last estimate's end:
  // numbers in a typed array, as storing a number in a closure variable allocates.
  const times = new Float64Array([0, -Infinity, 0]);

  return {
    admit(hash, now, outHash, outCount, outResetAt) {
      const folding = outCount > 0;
      if (folding) {
        if (cells.length === 0 || outResetAt - times[0]! > Shape.Int32Span || now - times[0]! < -Shape.Int32Span) {
          // First fold, or a clock that moved by weeks since `base`: start afresh at `now`.
          cells = new Int32Array(Shape.Rows * Shape.Width * 2);
          times[0] = now;
          times[1] = -Infinity;
        }
        if (outResetAt > times[1]!) times[1] = outResetAt;
      } else if (cells.length === 0 || times[1]! <= now) return 0;
      const relNow = relative(now, times[0]!);
      // Int32 arithmetic as the cells store it (ToInt32): the same values the exact sums give.
      const outEnd = (outResetAt - times[0]!) | 0;
      const n = outCount | 0;
      const outA = remix(outHash ^ 0x9e3779b9);
      const outB = remix(outHash ^ 0x7f4a7c15);
      const a = remix(hash ^ 0x9e3779b9);
      const b = remix(hash ^ 0x7f4a7c15);
      // One pass: a row's fold comes before its lookup, which is all the lookup can see of
      // it (a row's cells are its own), and the row's 2 cache lines load side by side.
      let expired = false;
      let count = 0x7fffffff;
      let end = 0x7fffffff;
      for (let row = 0; row < Shape.Rows; row++) {
        if (folding) {
          const c = cellOf(outA, outB, row);
          if (cells[c + 1]! <= relNow) {
            cells[c] = n;
            cells[c + 1] = outEnd;
          } else {
            cells[c] = (cells[c]! + n) | 0;
            if (outEnd > cells[c + 1]!) cells[c + 1] = outEnd;
          }
        }
        const c = cellOf(a, b, row);
        const cellEnd = cells[c + 1]!;
        if (cellEnd <= relNow) {
          expired = true;
          if (!folding) break;
        }
        if (cells[c]! < count) count = cells[c]!;
        if (cellEnd < end) end = cellEnd;
      }
      if (expired) return 0;
      times[2] = end + times[0]!;
      return count;
    },
    resetAt: () => times[2]!,
  };
}
