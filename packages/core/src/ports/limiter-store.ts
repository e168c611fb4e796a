// Rate-limit state behind one atomic call, so several instances can share a store:
// a get/set pair cannot hold a limit under concurrency across processes.
import type { MaybePromise } from "../taskflow/types.js";

export interface ConsumeOptions {
  windowMs: number;
  max: number;
  /** Epoch ms from the caller's clock. */
  now: number;
}

export interface ConsumeResult {
  allowed: boolean;
  /** Requests left in the current window after this one (never negative). */
  remaining: number;
  /** Epoch ms at which the current window ends. */
  resetAt: number;
}

export interface LimiterStore {
  consume(key: string, options: ConsumeOptions): MaybePromise<ConsumeResult>;
}
